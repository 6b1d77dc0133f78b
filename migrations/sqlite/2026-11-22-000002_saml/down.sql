DROP TABLE login_journal;
DROP TABLE entra_pins;
DROP TABLE saml_replay;
DROP TABLE saml_requests;
DROP TABLE idp_certificates;
