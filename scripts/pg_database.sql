-- One WeNeverWalkAlone database for the roles of pg_roles.sql (run as a superuser;
-- psql -v db=NAME). pg_roles.sql runs it for the first database; run it alone for another
-- one, e.g. the empty database a backup is restored into (docs/DEPLOY.md).
CREATE DATABASE :db OWNER wnwa_owner;
\connect :db
ALTER SCHEMA public OWNER TO wnwa_owner;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;  -- PostgreSQL 15's default; explicit for older ones
GRANT USAGE ON SCHEMA public TO wnwa_app;
-- Bulk inserts COPY into a temporary table first (docs/POSTGRES.md); PUBLIC has it by default.
GRANT TEMPORARY ON DATABASE :db TO wnwa_app;
ALTER DEFAULT PRIVILEGES FOR ROLE wnwa_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO wnwa_app;
ALTER DEFAULT PRIVILEGES FOR ROLE wnwa_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO wnwa_app;
