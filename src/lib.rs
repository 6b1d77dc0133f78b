pub mod db;
pub mod directory;
