-- The daloRADIUS tables the importer reads (issue 30), cut down to the columns it uses, from
-- daloRADIUS's contrib/db/mariadb-daloradius.sql (userinfo, userbillinfo, billing_plans,
-- billing_plans_profiles). Portable SQL: the same text is loaded into SQLite, MariaDB and PostgreSQL.
CREATE TABLE userinfo (
  id INTEGER PRIMARY KEY,
  username VARCHAR(128) DEFAULT NULL,
  firstname VARCHAR(200) DEFAULT NULL,
  lastname VARCHAR(200) DEFAULT NULL,
  email VARCHAR(200) DEFAULT NULL,
  department VARCHAR(200) DEFAULT NULL,
  company VARCHAR(200) DEFAULT NULL,
  workphone VARCHAR(200) DEFAULT NULL,
  homephone VARCHAR(200) DEFAULT NULL,
  mobilephone VARCHAR(200) DEFAULT NULL,
  address VARCHAR(200) DEFAULT NULL,
  city VARCHAR(200) DEFAULT NULL,
  state VARCHAR(200) DEFAULT NULL,
  country VARCHAR(100) DEFAULT NULL,
  zip VARCHAR(200) DEFAULT NULL,
  notes VARCHAR(200) DEFAULT NULL
);
CREATE TABLE userbillinfo (
  id INTEGER PRIMARY KEY,
  username VARCHAR(128) DEFAULT NULL,
  planName VARCHAR(128) DEFAULT NULL,
  contactperson VARCHAR(200) DEFAULT NULL,
  company VARCHAR(200) DEFAULT NULL,
  email VARCHAR(200) DEFAULT NULL,
  phone VARCHAR(200) DEFAULT NULL,
  address VARCHAR(200) DEFAULT NULL,
  city VARCHAR(200) DEFAULT NULL,
  state VARCHAR(200) DEFAULT NULL,
  country VARCHAR(100) DEFAULT NULL,
  zip VARCHAR(200) DEFAULT NULL
);
CREATE TABLE billing_plans (
  id INTEGER PRIMARY KEY,
  planName VARCHAR(128) DEFAULT NULL,
  planId VARCHAR(128) DEFAULT NULL,
  planType VARCHAR(128) DEFAULT NULL,
  planCost VARCHAR(128) DEFAULT NULL,
  planCurrency VARCHAR(128) DEFAULT NULL,
  planGroup VARCHAR(128) DEFAULT NULL,
  planActive VARCHAR(32) NOT NULL DEFAULT 'yes'
);
CREATE TABLE billing_plans_profiles (
  id INTEGER PRIMARY KEY,
  plan_name VARCHAR(128) NOT NULL,
  profile_name VARCHAR(256) DEFAULT NULL
);
