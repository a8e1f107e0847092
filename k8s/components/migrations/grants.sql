-- Flyway afterMigrate callback of the migration Jobs (k8s/components/migrations): after every migrate, the
-- service's own role may use its schema and read and write rows, and nothing more. It owns nothing and has no
-- CREATE on the schema, so it cannot change the schema; it may read Flyway's history but not write it.
-- ${approle} is the service's role (FLYWAY_PLACEHOLDERS_APPROLE), ${flyway:defaultSchema} the service's schema.
GRANT USAGE ON SCHEMA "${flyway:defaultSchema}" TO "${approle}";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${flyway:defaultSchema}" TO "${approle}";
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "${flyway:defaultSchema}" TO "${approle}";
REVOKE INSERT, UPDATE, DELETE ON "${flyway:defaultSchema}"."${flyway:table}" FROM "${approle}";
