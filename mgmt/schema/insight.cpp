// The management plane's migrations of insight: daily features, churn models and scores.
// Shipped texts: never edited (see mgmt/mgmt_schema.cpp for the rules of both dialects).
#include "mgmt/schema/schema_parts.h"

namespace mgmt::schema {

store::Migration v7() {
  return {7, "insight: daily features per customer and per tenant, churn models and scores",
          // mgmt/insight (ADR 0042). A day's features are one row per (tenant, customer, day) with the
          // values packed in a small blob (varints, mgmt/insight/features.h), so 18 months of 100,000
          // customers stay a few hundred MB; days older than the retention are deleted by the store.
          // insight_models holds one trained model per tenant ('' = the global prior for new tenants);
          // insight_scores the newest score per customer with its factors in words.
          // SQLite
          "CREATE TABLE insight_customer_days ("
          "  tenant_id TEXT NOT NULL,"
          "  customer_id TEXT NOT NULL,"
          "  day INTEGER NOT NULL,"  // days since 1970-01-01 UTC
          "  features BLOB NOT NULL,"
          "  PRIMARY KEY (tenant_id, customer_id, day)"
          ");"
          "CREATE INDEX insight_customer_days_day ON insight_customer_days(tenant_id, day);"
          "CREATE TABLE insight_tenant_days ("
          "  tenant_id TEXT NOT NULL,"
          "  day INTEGER NOT NULL,"
          "  features BLOB NOT NULL,"
          "  PRIMARY KEY (tenant_id, day)"
          ");"
          "CREATE TABLE insight_models ("
          "  tenant_id TEXT NOT NULL PRIMARY KEY,"
          "  trained_at INTEGER NOT NULL,"
          "  examples INTEGER NOT NULL,"
          "  model TEXT NOT NULL,"
          "  metrics TEXT NOT NULL DEFAULT ''"
          ");"
          "CREATE TABLE insight_scores ("
          "  tenant_id TEXT NOT NULL,"
          "  customer_id TEXT NOT NULL,"
          "  score INTEGER NOT NULL,"
          "  factors TEXT NOT NULL DEFAULT '',"
          "  scored_at INTEGER NOT NULL,"
          "  PRIMARY KEY (tenant_id, customer_id)"
          ");"
          "CREATE INDEX insight_scores_rank ON insight_scores(tenant_id, score, customer_id);",
          // PostgreSQL
          "CREATE TABLE insight_customer_days ("
          "  tenant_id TEXT NOT NULL,"
          "  customer_id TEXT NOT NULL,"
          "  day BIGINT NOT NULL,"
          "  features BYTEA NOT NULL,"
          "  PRIMARY KEY (tenant_id, customer_id, day)"
          ");"
          "CREATE INDEX insight_customer_days_day ON insight_customer_days(tenant_id, day);"
          "CREATE TABLE insight_tenant_days ("
          "  tenant_id TEXT NOT NULL,"
          "  day BIGINT NOT NULL,"
          "  features BYTEA NOT NULL,"
          "  PRIMARY KEY (tenant_id, day)"
          ");"
          "CREATE TABLE insight_models ("
          "  tenant_id TEXT NOT NULL PRIMARY KEY,"
          "  trained_at BIGINT NOT NULL,"
          "  examples BIGINT NOT NULL,"
          "  model TEXT NOT NULL,"
          "  metrics TEXT NOT NULL DEFAULT ''"
          ");"
          "CREATE TABLE insight_scores ("
          "  tenant_id TEXT NOT NULL,"
          "  customer_id TEXT NOT NULL,"
          "  score BIGINT NOT NULL,"
          "  factors TEXT NOT NULL DEFAULT '',"
          "  scored_at BIGINT NOT NULL,"
          "  PRIMARY KEY (tenant_id, customer_id)"
          ");"
          "CREATE INDEX insight_scores_rank ON insight_scores(tenant_id, score, customer_id);"};
}

store::Migration v29() {
  return {29, "insight: the daily run of collect, train and score, one row per day",
          // mgmt/insight (issue 26, ADR 0074): mgmtd's job "insight-daily" collects the days before
          // today, retrains and scores at insight.daily-at; the row of a day (inserted under the
          // singleton lock before the work) is what makes it run once a day with several mgmtd or
          // after a restart. outcome: running | ok | failed; a failed (or interrupted) day is tried
          // again an hour later, at most insight.daily-attempts times.
          // SQLite
          "CREATE TABLE insight_runs ("
          "  day INTEGER PRIMARY KEY,"  // days since 1970-01-01 UTC
          "  started_at INTEGER NOT NULL,"
          "  finished_at INTEGER NOT NULL DEFAULT 0,"
          "  attempts INTEGER NOT NULL DEFAULT 1,"
          "  outcome TEXT NOT NULL,"
          "  detail TEXT NOT NULL DEFAULT ''"
          ");",
          // PostgreSQL
          "CREATE TABLE insight_runs ("
          "  day BIGINT PRIMARY KEY,"
          "  started_at BIGINT NOT NULL,"
          "  finished_at BIGINT NOT NULL DEFAULT 0,"
          "  attempts BIGINT NOT NULL DEFAULT 1,"
          "  outcome TEXT NOT NULL,"
          "  detail TEXT NOT NULL DEFAULT ''"
          ");"};
}

}  // namespace mgmt::schema
