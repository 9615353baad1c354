-- Roles for a WeNeverWalkAlone database (run as a superuser; psql -v db=NAME).
-- The owner runs migrations and owns every table; the app role owns nothing, cannot bypass
-- row-level security, gets only data privileges, is a member of no other role (so it cannot
-- SET ROLE to the owner), and can create nothing in the schema. The migrations add the
-- schema wnwa_rls (the row-level security key, closed to the app role).
CREATE ROLE wnwa_owner LOGIN PASSWORD 'owner';
CREATE ROLE wnwa_app LOGIN PASSWORD 'app' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE DATABASE :db OWNER wnwa_owner;
\connect :db
ALTER SCHEMA public OWNER TO wnwa_owner;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;  -- PostgreSQL 15's default; explicit for older ones
GRANT USAGE ON SCHEMA public TO wnwa_app;
ALTER DEFAULT PRIVILEGES FOR ROLE wnwa_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO wnwa_app;
ALTER DEFAULT PRIVILEGES FOR ROLE wnwa_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO wnwa_app;
