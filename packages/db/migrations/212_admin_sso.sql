-- Single sign-on to the console (OpenID Connect): an operator made at its first SSO sign-in is
-- bound to its provider identity (issuer + subject) and has no local password. The ID token of an
-- SSO session is kept with it for the provider's logout (id_token_hint).
ALTER TABLE admins ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE admins ADD COLUMN sso_issuer text;
ALTER TABLE admins ADD COLUMN sso_subject text;
ALTER TABLE admins ADD COLUMN email text;
ALTER TABLE admins ADD CONSTRAINT admins_sso_pair CHECK ((sso_issuer IS NULL) = (sso_subject IS NULL));
CREATE UNIQUE INDEX admins_sso_key ON admins (sso_issuer, sso_subject) WHERE sso_issuer IS NOT NULL;
ALTER TABLE admin_sessions ADD COLUMN sso_id_token text;
