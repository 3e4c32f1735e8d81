#!/bin/sh
# Creates or upgrades everything Temporal needs for JIT Access, and changes nothing when it is already in place:
#   1. waits for PostgreSQL, creates the two databases and migrates their schemas to this Temporal version
#      (temporal-sql-tool carries the PostgreSQL schemas itself: --schema-name postgresql/v12/...);
#   2. waits for the Temporal frontend, creates the namespace (retention TEMPORAL_RETENTION) if it is missing;
#   3. registers the search attributes the workflows set (workflows/search-attributes.ts) that are missing.
# Run by the one-shot `temporal-setup` job of docker-compose.yml (temporalio/admin-tools) on every `up`, so an
# upgrade of the temporal images migrates the schema before anything else uses the new server; also run by
# test/deploy/postgres-temporal.test.ts against a local PostgreSQL and the server built from source.
# POSIX sh (the admin-tools image is Alpine). Every setting has the container's default:
set -eu

SQL_TOOL="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
CLI="${TEMPORAL_CLI:-temporal}"
DB_HOST="${POSTGRES_SEEDS:-postgresql}"
DB_PORT="${DB_PORT:-5432}"
DB_USER="${POSTGRES_USER:-temporal}"
DB_NAME="${DBNAME:-temporal}"
VISIBILITY_DB_NAME="${VISIBILITY_DBNAME:-temporal_visibility}"
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_RETENTION:-2160h}"
WAIT_SECONDS="${SETUP_WAIT_SECONDS:-600}"
# The search attributes of workflows/search-attributes.ts (searchAttributeCliArgs()), as Name=Type.
SEARCH_ATTRIBUTES="JitStatus=Keyword JitRequester=Keyword JitRequesterEmail=Keyword JitGroup=Keyword JitGroupName=Keyword JitDecider=Keyword JitExpiresAt=Datetime JitBreakGlass=Bool"

# temporal-sql-tool reads the password from SQL_PASSWORD (kept off the command line).
export SQL_PASSWORD="${POSTGRES_PWD:-${SQL_PASSWORD:-}}"

log() { echo "temporal-setup: $*"; }
fail() {
  echo "temporal-setup: $*" >&2
  exit 1
}

# retry DESCRIPTION COMMAND...: runs COMMAND until it succeeds, for at most WAIT_SECONDS.
retry() {
  description="$1"
  shift
  started=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    if [ $(($(date +%s) - started)) -ge "$WAIT_SECONDS" ]; then
      "$@" || true # show the last error
      fail "gave up after ${WAIT_SECONDS}s waiting for $description"
    fi
    log "waiting for $description..."
    sleep 2
  done
}

sql_tool() {
  "$SQL_TOOL" --plugin postgres12 --endpoint "$DB_HOST" --port "$DB_PORT" --user "$DB_USER" "$@"
}

# ---- 1. PostgreSQL: databases and schemas ----
# create-database is a no-op when the database exists, so retrying it is also the wait for PostgreSQL.
retry "PostgreSQL at $DB_HOST:$DB_PORT" sql_tool --database "$DB_NAME" create-database
for spec in "$DB_NAME:temporal" "$VISIBILITY_DB_NAME:visibility"; do
  database="${spec%%:*}"
  schema="postgresql/v12/${spec#*:}"
  sql_tool --database "$database" create-database
  # Version tables at 0.0 on a new database; skipped when the schema is already past 0.0.
  sql_tool --database "$database" setup-schema -v 0.0
  # Applies only the versions this database does not have yet.
  sql_tool --database "$database" update-schema --schema-name "$schema"
  log "database $database is at the $schema schema of this Temporal version"
done

# ---- 2. Temporal: namespace ----
temporal_cli() { "$CLI" "$@" --address "$ADDRESS"; }
retry "the Temporal frontend at $ADDRESS" temporal_cli operator cluster health
if temporal_cli operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  log "namespace $NAMESPACE already exists (its retention is left as it is)"
else
  temporal_cli operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
  log "created namespace $NAMESPACE with retention $RETENTION"
fi

# ---- 3. Temporal: search attributes ----
# A new namespace takes a few seconds to reach every service's cache.
retry "namespace $NAMESPACE to answer" temporal_cli operator search-attribute list --namespace "$NAMESPACE"
existing=$(temporal_cli operator search-attribute list --namespace "$NAMESPACE")
for spec in $SEARCH_ATTRIBUTES; do
  attr_name="${spec%%=*}"
  attr_type="${spec#*=}"
  if printf '%s\n' "$existing" | grep -qw "$attr_name"; then
    log "search attribute $attr_name already exists"
  elif temporal_cli operator search-attribute create --namespace "$NAMESPACE" --name "$attr_name" --type "$attr_type"; then
    log "created search attribute $attr_name ($attr_type)"
  elif temporal_cli operator search-attribute list --namespace "$NAMESPACE" | grep -qw "$attr_name"; then
    log "search attribute $attr_name already exists"
  else
    fail "could not create search attribute $attr_name ($attr_type)"
  fi
done
log "done: schemas current, namespace $NAMESPACE and all JIT search attributes in place"
