-- An ISP's FreeRADIUS SQL data (issue 30) for the importer's tests: DEFAULT-like group rows, group
-- rate attributes (MikroTik and WISPr), Simultaneous-Use per group and per user, an expiration, mixed
-- password forms (cleartext, NT hash, MD5-crypt, MD5), a group that depends on the request, a user
-- rejected by Auth-Type, one with conflicting group priorities, accounting history, and the
-- daloRADIUS customer and billing rows. Loaded after FreeRADIUS's own schema.sql (and
-- daloradius_schema.sql) into SQLite, MariaDB and PostgreSQL alike.
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('gold', 'Mikrotik-Rate-Limit', ':=', '10M/20M');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('gold', 'Acct-Interim-Interval', ':=', '300');
INSERT INTO radgroupcheck (groupname, attribute, op, value) VALUES ('gold', 'Simultaneous-Use', ':=', '2');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('silver', 'WISPr-Bandwidth-Max-Down', ':=', '5000000');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('silver', 'WISPr-Bandwidth-Max-Up', ':=', '1000000');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('silver', 'Session-Timeout', ':=', '3600');
INSERT INTO radgroupcheck (groupname, attribute, op, value) VALUES ('branch', 'NAS-IP-Address', '==', '10.0.0.1');
INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ('branch', 'Mikrotik-Rate-Limit', ':=', '1M/1M');

INSERT INTO radcheck (username, attribute, op, value) VALUES ('alice', 'Cleartext-Password', ':=', 'alicepw');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('alice', 'Expiration', ':=', 'Jan 15 2027 12:00:00');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('bob', 'NT-Password', ':=', '8846f7eaee8fb117ad06bdd830b7586c');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('carol', 'Crypt-Password', ':=', '$1$saltsalt$SIUp203xg6fAS.jaqq/oJ.');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('carol', 'Simultaneous-Use', ':=', '3');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('dave', 'MD5-Password', ':=', '5f69b00e9bbb4304d61d12867aa5e901');
INSERT INTO radreply (username, attribute, op, value) VALUES ('dave', 'Framed-IP-Address', ':=', '10.1.2.3');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('erin', 'Cleartext-Password', ':=', 'erinpw');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('frank', 'Cleartext-Password', ':=', 'frankpw');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('frank', 'Auth-Type', ':=', 'Reject');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('grace', 'Cleartext-Password', ':=', 'gracepw');
INSERT INTO radreply (username, attribute, op, value) VALUES ('grace', 'Mikrotik-Rate-Limit', '=', '2M/4M');
INSERT INTO radreply (username, attribute, op, value) VALUES ('grace', 'Reply-Message', '=', 'Welcome');
INSERT INTO radcheck (username, attribute, op, value) VALUES ('heidi', 'Cleartext-Password', ':=', 'heidipw');

INSERT INTO radusergroup (username, groupname, priority) VALUES ('alice', 'gold', 1);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('bob', 'gold', 1);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('carol', 'silver', 1);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('dave', 'silver', 1);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('erin', 'branch', 1);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('frank', 'gold', 1);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('heidi', 'silver', 1);
INSERT INTO radusergroup (username, groupname, priority) VALUES ('heidi', 'gold', 2);

INSERT INTO radacct (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime, acctstoptime, acctinputoctets, acctoutputoctets) VALUES ('s1', 'u1', 'alice', '10.0.0.2', '2026-11-01 10:00:00', '2026-11-01 11:00:00', 1000, 5000);
INSERT INTO radacct (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime, acctstoptime, acctinputoctets, acctoutputoctets) VALUES ('s2', 'u2', 'bob', '10.0.0.2', '2026-11-02 10:00:00', NULL, 10, 20);
