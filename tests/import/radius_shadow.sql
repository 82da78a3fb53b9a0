-- The FreeRADIUS SQL data of the shadow check over rlm_sql (tests/integration/import_verify_test.py,
-- ShadowCheckSql):
-- loaded after FreeRADIUS's own SQLite schema.sql into the file a real FreeRADIUS (rlm_sql_sqlite)
-- serves and `edgectl import --source freeradius-sql` imports. Group rates (MikroTik and WISPr),
-- DEFAULT-like groups by priority (basic, at priority 10, is reached after gold, which falls through,
-- and not after silver, which does not), Simultaneous-Use per group and per user, an expiration, mixed password forms
-- (cleartext, NT hash, MD5-crypt, MD5; each hash of "password"), a user rejected by Auth-Type.
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('gold', 'Mikrotik-Rate-Limit', ':=', '10M/20M');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('gold', 'Acct-Interim-Interval', ':=', '300');
INSERT INTO radgroupcheck (groupname, attribute, op, value) VALUES ('gold', 'Simultaneous-Use', ':=', '2');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('gold', 'Fall-Through', '=', 'Yes');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('silver', 'WISPr-Bandwidth-Max-Down', ':=', '5000000');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('silver', 'WISPr-Bandwidth-Max-Up', ':=', '1000000');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('silver', 'Session-Timeout', ':=', '3600');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('basic', 'Mikrotik-Rate-Limit', '=', '1M/2M');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('basic', 'Idle-Timeout', ':=', '600');

INSERT INTO radcheck (username, attribute, op, value) VALUES ('alice', 'Cleartext-Password', ':=', 'alice-secret');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('alice', 'Expiration', ':=', 'Jan 15 2037 12:00:00');
INSERT INTO radreply (username, attribute, op, value) VALUES ('alice', 'Framed-IP-Address', ':=', '198.51.100.10');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('bob', 'NT-Password', ':=', '8846f7eaee8fb117ad06bdd830b7586c');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('carol', 'Crypt-Password', ':=', '$1$salt$qJH7.N4xYta3aEG/dfqo/0');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('carol', 'Simultaneous-Use', ':=', '3');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('dave', 'MD5-Password', ':=', '5f4dcc3b5aa765d61d8327deb882cf99');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('erin', 'Cleartext-Password', ':=', 'erin-pw');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('frank', 'Cleartext-Password', ':=', 'frank-pw');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('frank', 'Auth-Type', ':=', 'Reject');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('grace', 'Cleartext-Password', ':=', 'grace-pw');
INSERT INTO radreply (username, attribute, op, value) VALUES ('grace', 'Mikrotik-Rate-Limit', '=', '2M/4M');
INSERT INTO radreply (username, attribute, op, value) VALUES ('grace', 'Session-Timeout', '=', '7200');

INSERT INTO radusergroup (username, groupname, priority) VALUES ('alice', 'gold', 1);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('alice', 'basic', 10);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('bob', 'gold', 1);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('carol', 'silver', 1);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('carol', 'basic', 10);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('dave', 'basic', 10);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('erin', 'silver', 1);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('erin', 'basic', 10);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('frank', 'gold', 1);
