-- daloRADIUS rows for radius_fixture.sql's subscribers (issue 30): customer details, billing plans
-- with prices (one by planGroup, one through billing_plans_profiles) and who is billed on which.
INSERT INTO userinfo (id, username, firstname, lastname, email, mobilephone, homephone, address, city, zip, country, company) VALUES (1, 'alice', 'Alice', 'Example', 'alice@example.com', '+1 555 0100', '+1 555 0101', '1 Main St', 'Springfield', '12345', 'US', 'Acme');
INSERT INTO userinfo (id, username, firstname, lastname, email) VALUES (2, 'bob', 'Bob', '', 'bob@example.com');
INSERT INTO userinfo (id, username, email) VALUES (3, 'dave', 'dave@example.com');
INSERT INTO userbillinfo (id, username, planName, contactperson, phone) VALUES (1, 'alice', 'Gold Monthly', 'A. Example', '+1 555 0199');
INSERT INTO userbillinfo (id, username, planName) VALUES (2, 'bob', 'Gold Monthly');
INSERT INTO userbillinfo (id, username, planName) VALUES (3, 'dave', 'Gold Monthly');
INSERT INTO billing_plans (id, planName, planCost, planCurrency, planGroup, planActive) VALUES (1, 'Gold Monthly', '25.00', 'USD', 'gold', 'yes');
INSERT INTO billing_plans (id, planName, planCost, planCurrency, planGroup, planActive) VALUES (2, 'Silver Monthly', '10.00', 'USD', '', 'yes');
INSERT INTO billing_plans_profiles (id, plan_name, profile_name) VALUES (1, 'Silver Monthly', 'silver');
