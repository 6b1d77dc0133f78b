//! Gatehouse: Microsoft Entra ID sign-in and provisioning for an employee directory.
//! See ARCHITECTURE.md for where things live and the rules between modules.

pub mod cli;
pub mod config;
pub mod db;
pub mod directory;
pub mod error;
pub mod startup;
pub mod web;
