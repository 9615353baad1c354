-- Roles for a WeNeverWalkAlone database (run as a superuser; psql -v db=NAME).
-- The owner runs migrations and owns every table; the app role owns nothing, cannot bypass
-- row-level security, gets only data privileges, is a member of no other role (so it cannot
-- SET ROLE to the owner), and can create nothing in the schema. The migrations add the
-- schema wnwa_rls (the row-level security key, closed to the app role).
-- The backup role only reads: BYPASSRLS, so that pg_dump sees every department's rows (the
-- tables FORCE row-level security, which binds even their owner), and pg_read_all_data; it
-- owns nothing and can write nothing. Change every password before use outside tests.
CREATE ROLE wnwa_owner LOGIN PASSWORD 'owner';
CREATE ROLE wnwa_app LOGIN PASSWORD 'app' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE ROLE wnwa_backup LOGIN PASSWORD 'backup' NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS;
GRANT pg_read_all_data TO wnwa_backup;
\ir pg_database.sql
