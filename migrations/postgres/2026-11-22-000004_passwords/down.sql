DROP TABLE mail_outbox;
DROP TABLE login_failures;
DROP TABLE password_links;
