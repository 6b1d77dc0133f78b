DROP INDEX account_domains_account;
DROP TABLE account_domains;
