#include "migrations.h"

#include "ledger.h"
#include "rollups.h"

namespace CostGov::Storage {

namespace {

const RollupSpec &rollupSpec(const char *table)
{
    for (const RollupSpec &spec : rollupSpecs()) {
        if (qstrcmp(spec.table, table) == 0)
            return spec;
    }
    qFatal("no rollup table %s", table);
}

Migration ledgerCore()
{
    Migration m{
        1,
        QStringLiteral("ledger: requests, dimensions, daily rollups, imports, checkpoints, quarantine"),
        {
            QStringLiteral("CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
            QStringLiteral("INSERT INTO ledger_meta (key, value) VALUES ('write_generation', '0')"),
            // Every dimension value once; requests and rollups refer to ids.
            QStringLiteral("CREATE TABLE labels (id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, value TEXT NOT NULL, "
                           "UNIQUE (kind, value))"),
            // Distinct combinations of a request's dimensions (label ids); keeps request rows narrow.
            // (Users are kept on the request itself: with them, combinations would be almost per request.)
            QStringLiteral(
                "CREATE TABLE dimsets (id INTEGER PRIMARY KEY, source INTEGER NOT NULL, provider INTEGER NOT NULL, "
                "model INTEGER NOT NULL, requested_model INTEGER NOT NULL, team INTEGER NOT NULL, "
                "feature INTEGER NOT NULL, environment INTEGER NOT NULL, project INTEGER NOT NULL, "
                "route INTEGER NOT NULL, status INTEGER NOT NULL, "
                "UNIQUE (source, provider, model, requested_model, team, feature, environment, project, "
                "route, status))"),
            // One row per LLM request. day is the UTC day of ts; identity the stable record hash.
            QStringLiteral(
                "CREATE TABLE requests (id INTEGER PRIMARY KEY, day INTEGER NOT NULL, identity BIGINT NOT NULL, "
                "ts BIGINT NOT NULL, request_id TEXT NOT NULL, dimset INTEGER NOT NULL, user_name INTEGER NOT NULL, "
                "import_id INTEGER NOT NULL, "
                "input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, cache_read_tokens BIGINT NOT NULL, "
                "cache_write_tokens BIGINT NOT NULL, cache_write_1h_tokens BIGINT NOT NULL, cost_nano BIGINT, "
                "flags INTEGER NOT NULL, latency_ms BIGINT, tags TEXT)"),
            // Which request ids hold which day: lets dedupe and drill-down read one day without an
            // index on requests (an index there halves import speed).
            QStringLiteral("CREATE TABLE request_segments (day INTEGER NOT NULL, first_id INTEGER NOT NULL, last_id "
                           "INTEGER NOT NULL)"),
            QStringLiteral("CREATE INDEX request_segments_day ON request_segments (day)"),
            QStringLiteral(
                "CREATE TABLE calendar (day INTEGER PRIMARY KEY, week INTEGER NOT NULL, month INTEGER NOT NULL)"),
            QStringLiteral(
                "CREATE TABLE imports (id INTEGER PRIMARY KEY, started_ms BIGINT NOT NULL, finished_ms BIGINT, "
                "status TEXT NOT NULL, source TEXT NOT NULL, paths TEXT NOT NULL, host TEXT NOT NULL, "
                "pid BIGINT NOT NULL, files BIGINT NOT NULL DEFAULT 0, lines BIGINT NOT NULL DEFAULT 0, "
                "imported BIGINT NOT NULL DEFAULT 0, duplicates BIGINT NOT NULL DEFAULT 0, "
                "skipped BIGINT NOT NULL DEFAULT 0, quarantined BIGINT NOT NULL DEFAULT 0, "
                "unpriced BIGINT NOT NULL DEFAULT 0, message TEXT)"),
            QStringLiteral(
                "CREATE TABLE import_files (path TEXT PRIMARY KEY, format TEXT NOT NULL, inode BIGINT NOT NULL, "
                "size BIGINT NOT NULL, offset_bytes BIGINT NOT NULL, line BIGINT NOT NULL, "
                "head_len BIGINT NOT NULL, head_hash BIGINT NOT NULL, tail_hash BIGINT NOT NULL, "
                "import_id INTEGER NOT NULL, updated_ms BIGINT NOT NULL)"),
            QStringLiteral(
                "CREATE TABLE quarantine (id INTEGER PRIMARY KEY, import_id INTEGER NOT NULL, path TEXT NOT NULL, "
                "line BIGINT NOT NULL, reason TEXT NOT NULL, raw TEXT NOT NULL, raw_hash BIGINT NOT NULL, "
                "created_ms BIGINT NOT NULL, UNIQUE (path, line, raw_hash))"),
        },
        {}};
    for (const char *table : {"rollup_team_daily", "rollup_model_daily", "rollup_context_daily", "rollup_daily"})
        m.statements.append(rollupTableSql(rollupSpec(table)));
    return m;
}

Migration priceCatalog()
{
    return {
        2,
        QStringLiteral("dated price catalog"),
        {
            QStringLiteral("CREATE TABLE prices (id INTEGER PRIMARY KEY, model TEXT NOT NULL, provider TEXT NOT NULL, "
                           "effective_from_ms BIGINT NOT NULL, input_pico BIGINT, output_pico BIGINT, "
                           "cache_read_pico BIGINT, cache_write_5m_pico BIGINT, cache_write_1h_pico BIGINT, "
                           "batch_input_pico BIGINT, batch_output_pico BIGINT, tier_threshold BIGINT NOT NULL, "
                           "tier_input_pico BIGINT, tier_output_pico BIGINT, tier_cache_read_pico BIGINT, "
                           "tier_cache_write_5m_pico BIGINT, source TEXT NOT NULL, added_ms BIGINT NOT NULL, "
                           "UNIQUE (model, effective_from_ms))"),
        },
        {}};
}

Migration userRollup()
{
    return {3,
            QStringLiteral("daily rollup by user and team, backfilled from requests"),
            {rollupTableSql(rollupSpec("rollup_user_daily"))},
            [](Ledger &ledger, QString &error) {
                const Status rebuilt = rebuildRollup(ledger, rollupSpec("rollup_user_daily"), {});
                if (!rebuilt.ok())
                    error = rebuilt.error().message;
                return rebuilt.ok();
            }};
}

Migration billedCosts()
{
    return {4,
            QStringLiteral("provider billing: billed costs and sync checkpoints"),
            {
                // What the providers billed, per daily bucket, separate from the metered requests.
                QStringLiteral("CREATE TABLE billed_costs (id INTEGER PRIMARY KEY, provider TEXT NOT NULL, "
                               "day INTEGER NOT NULL, bucket_start_ms BIGINT NOT NULL, bucket_end_ms BIGINT NOT NULL, "
                               "project TEXT NOT NULL, api_key TEXT NOT NULL, line_item TEXT NOT NULL, "
                               "model TEXT NOT NULL, cost_type TEXT NOT NULL, amount_nano BIGINT NOT NULL, "
                               "synced_ms BIGINT NOT NULL)"),
                QStringLiteral("CREATE INDEX billed_costs_day ON billed_costs (provider, day)"),
                QStringLiteral("CREATE TABLE sync_checkpoints (provider TEXT NOT NULL, endpoint TEXT NOT NULL, "
                               "synced_to_day INTEGER NOT NULL, synced_ms BIGINT NOT NULL, "
                               "PRIMARY KEY (provider, endpoint))"),
            },
            {}};
}

Migration billedUsage()
{
    return {5,
            QStringLiteral("provider billing: billed usage (tokens by kind)"),
            {
                QStringLiteral("CREATE TABLE billed_usage (id INTEGER PRIMARY KEY, provider TEXT NOT NULL, "
                               "kind TEXT NOT NULL, day INTEGER NOT NULL, bucket_start_ms BIGINT NOT NULL, "
                               "bucket_end_ms BIGINT NOT NULL, project TEXT NOT NULL, api_key TEXT NOT NULL, "
                               "model TEXT NOT NULL, input_uncached_tokens BIGINT NOT NULL, "
                               "cache_read_tokens BIGINT NOT NULL, cache_write_5m_tokens BIGINT NOT NULL, "
                               "cache_write_1h_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, requests BIGINT, "
                               "web_searches BIGINT NOT NULL, synced_ms BIGINT NOT NULL)"),
                QStringLiteral("CREATE INDEX billed_usage_day ON billed_usage (provider, day)"),
            },
            {}};
}

Migration attributionRules()
{
    return {
        6,
        QStringLiteral("attribution rules; billed rows get a team and feature"),
        {
            QStringLiteral("CREATE TABLE attribution_rules (id INTEGER PRIMARY KEY, position INTEGER NOT NULL, "
                           "provider TEXT NOT NULL, field TEXT NOT NULL, pattern TEXT NOT NULL, team TEXT NOT NULL, "
                           "feature TEXT NOT NULL)"),
            QStringLiteral("ALTER TABLE billed_costs ADD COLUMN team TEXT NOT NULL DEFAULT 'unallocated'"),
            QStringLiteral("ALTER TABLE billed_costs ADD COLUMN feature TEXT NOT NULL DEFAULT 'unallocated'"),
            QStringLiteral("ALTER TABLE billed_usage ADD COLUMN team TEXT NOT NULL DEFAULT 'unallocated'"),
            QStringLiteral("ALTER TABLE billed_usage ADD COLUMN feature TEXT NOT NULL DEFAULT 'unallocated'"),
        },
        {}};
}

Migration sourceAttribution()
{
    // Requests keep the team and feature their source gave next to the ones the attribution
    // rules chose, so rules can change and be applied to history again. SQL cannot change a
    // UNIQUE constraint: the table is rebuilt (it holds combinations, not requests: small).
    return {
        7,
        QStringLiteral("dimension combinations keep the team and feature their source gave"),
        {
            QStringLiteral(
                "CREATE TABLE dimsets_new (id INTEGER PRIMARY KEY, source INTEGER NOT NULL, provider INTEGER NOT NULL, "
                "model INTEGER NOT NULL, requested_model INTEGER NOT NULL, team INTEGER NOT NULL, "
                "feature INTEGER NOT NULL, environment INTEGER NOT NULL, project INTEGER NOT NULL, "
                "route INTEGER NOT NULL, status INTEGER NOT NULL, source_team INTEGER NOT NULL, "
                "source_feature INTEGER NOT NULL, "
                "UNIQUE (source, provider, model, requested_model, team, feature, environment, project, "
                "route, status, source_team, source_feature))"),
            QStringLiteral("INSERT INTO dimsets_new SELECT id, source, provider, model, requested_model, team, "
                           "feature, environment, project, route, status, team, feature FROM dimsets"),
            QStringLiteral("DROP TABLE dimsets"),
            QStringLiteral("ALTER TABLE dimsets_new RENAME TO dimsets"),
        },
        {}};
}

Migration alerts()
{
    return {
        8,
        QStringLiteral("alert rules and budgets, their states and history"),
        {
            // A rule's settings are a JSON object: kinds differ in what they need.
            QStringLiteral("CREATE TABLE alert_rules (id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, "
                           "definition TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE alert_states (rule_id INTEGER NOT NULL, group_key TEXT NOT NULL, "
                           "state TEXT NOT NULL, since_ms BIGINT NOT NULL, threshold_notified INTEGER NOT NULL, "
                           "window_key TEXT NOT NULL, last_notified_ms BIGINT NOT NULL, acknowledged INTEGER NOT NULL, "
                           "snoozed_until_ms BIGINT NOT NULL, message TEXT NOT NULL, figures TEXT NOT NULL, "
                           "PRIMARY KEY (rule_id, group_key))"),
            QStringLiteral("CREATE TABLE alert_events (id INTEGER PRIMARY KEY, rule_id INTEGER NOT NULL, "
                           "group_key TEXT NOT NULL, at_ms BIGINT NOT NULL, from_state TEXT NOT NULL, "
                           "to_state TEXT NOT NULL, notified INTEGER NOT NULL, message TEXT NOT NULL, "
                           "figures TEXT NOT NULL)"),
            QStringLiteral("CREATE INDEX alert_events_at ON alert_events (at_ms)"),
        },
        {}};
}

Migration chargebackPeriods()
{
    return {
        9,
        QStringLiteral("closed chargeback months and their history"),
        {
            // statement: the lines as issued (JSON); baseline: each cost centre's share (nano)
            // that adjustments are counted from; restores: the baselines of the months whose
            // late data this month booked, as they were before (re-opening puts them back).
            QStringLiteral("CREATE TABLE chargeback_periods (month_day INTEGER PRIMARY KEY, closed_ms BIGINT NOT NULL, "
                           "statement TEXT NOT NULL, baseline TEXT NOT NULL, restores TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE chargeback_events (id INTEGER PRIMARY KEY, month_day INTEGER NOT NULL, "
                           "action TEXT NOT NULL, at_ms BIGINT NOT NULL, note TEXT NOT NULL)"),
        },
        {}};
}

Migration policies()
{
    return {10,
            QStringLiteral("routing and caching policy versions, agents and pushes"),
            {
                QStringLiteral("CREATE TABLE policy_versions (version INTEGER PRIMARY KEY, created_ms BIGINT NOT NULL, "
                               "note TEXT NOT NULL, document TEXT NOT NULL, hash TEXT NOT NULL)"),
                // The agent's token lives in the keychain, never here.
                QStringLiteral("CREATE TABLE policy_agents (name TEXT PRIMARY KEY, url TEXT NOT NULL, "
                               "pushed_version INTEGER, pushed_ms BIGINT, last_result TEXT NOT NULL DEFAULT '', "
                               "ca_file TEXT NOT NULL DEFAULT '')"),
            },
            {}};
}

Migration priceFeeds()
{
    return {11,
            QStringLiteral("genai-prices feeds: the bundled catalog is no longer copied into the prices table"),
            {
                QStringLiteral("DELETE FROM prices WHERE source = 'bundled'"),
                QStringLiteral("CREATE TABLE price_feeds (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT "
                               "NULL, content TEXT NOT NULL, added_ms BIGINT NOT NULL)"),
            },
            {}};
}

} // namespace

const std::vector<Migration> &migrations()
{
    static const std::vector<Migration> all{ledgerCore(),        priceCatalog(),     userRollup(),        billedCosts(),
                                            billedUsage(),       attributionRules(), sourceAttribution(), alerts(),
                                            chargebackPeriods(), policies(),         priceFeeds()};
    return all;
}

} // namespace CostGov::Storage
