/* SPDX-License-Identifier: GPL-2.0-or-later
 * ospreyd — secret agents: registry, GetSecrets with fallback from one
 * agent of the user to the next, cancellation. */
#include "osp-agent.h"
#include "osp-error.h"
#include "osp-manager.h"

#include <string.h>

#define AGENT_IFACE "net.ospreyvpn.Osprey1.Agent"

typedef struct {
  OspAgentManager *m;
  char *sender;
  char *path;
  guint32 uid;
  guint64 serial; /* registration order: newest is asked first */
  guint watch_id;
} Agent;

struct OspAgentManager {
  GDBusConnection *bus;
  GHashTable *agents;  /* sender -> Agent */
  GPtrArray *requests; /* pending OspAgentRequest, not owned */
  guint64 next_serial;
};

typedef struct Call Call;

struct OspAgentRequest {
  OspAgentManager *m;
  char *preferred_sender;
  guint32 uid;
  char *connection_path;
  GStrv kinds;
  char *message;
  gboolean retry;
  GVariant *details;
  OspAgentSecretsFunc func;
  gpointer user_data;
  GPtrArray *tried; /* senders already asked */
  Call *call;       /* the GetSecrets in flight */
};

/* One GetSecrets call; outlives its request when cancelled, since GDBus
 * reports the cancellation later. */
struct Call {
  OspAgentRequest *req; /* NULL once withdrawn */
  char *sender;
  char *path;
  GCancellable *cancellable;
};

static void call_free(Call *c)
{
  g_clear_object(&c->cancellable);
  g_free(c->sender);
  g_free(c->path);
  g_free(c);
}

static void agent_free(Agent *a)
{
  if (a->watch_id)
    g_bus_unwatch_name(a->watch_id);
  g_free(a->sender);
  g_free(a->path);
  g_free(a);
}

static void request_next(OspAgentRequest *req);

/* Withdraws the call in flight; tells the agent when it is still there. */
static void request_withdraw_call(OspAgentRequest *req, gboolean tell_agent)
{
  Call *c = req->call;

  if (!c)
    return;
  req->call = NULL;
  c->req = NULL;
  if (tell_agent)
    g_dbus_connection_call(req->m->bus, c->sender, c->path, AGENT_IFACE, "CancelGetSecrets",
                           g_variant_new("(o)", req->connection_path), NULL,
                           G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, NULL, NULL);
  g_cancellable_cancel(c->cancellable);
}

static void agent_vanished(OspAgentManager *m, const char *sender, gboolean still_on_bus)
{
  g_autoptr(GPtrArray) affected = g_ptr_array_new();

  for (guint i = 0; i < m->requests->len; i++) {
    OspAgentRequest *req = g_ptr_array_index(m->requests, i);

    if (req->call && strcmp(req->call->sender, sender) == 0)
      g_ptr_array_add(affected, req);
  }
  g_hash_table_remove(m->agents, sender);
  for (guint i = 0; i < affected->len; i++) {
    OspAgentRequest *req = g_ptr_array_index(affected, i);

    request_withdraw_call(req, still_on_bus);
    request_next(req);
  }
}

static void name_vanished(GDBusConnection *bus, const char *name, gpointer user_data)
{
  OspAgentManager *m = user_data;

  g_debug("Agent %s left the bus", name);
  agent_vanished(m, name, FALSE);
}

OspAgentManager *osp_agent_manager_new(GDBusConnection *bus)
{
  OspAgentManager *m = g_new0(OspAgentManager, 1);

  m->bus = g_object_ref(bus);
  m->agents = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)agent_free);
  m->requests = g_ptr_array_new();
  return m;
}

void osp_agent_manager_release_all(OspAgentManager *m)
{
  GHashTableIter it;
  Agent *a;

  g_hash_table_iter_init(&it, m->agents);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&a))
    g_dbus_connection_call(m->bus, a->sender, a->path, AGENT_IFACE, "Release", NULL, NULL,
                           G_DBUS_CALL_FLAGS_NO_AUTO_START, 1000, NULL, NULL, NULL);
  g_dbus_connection_flush_sync(m->bus, NULL, NULL);
  while (m->requests->len > 0)
    osp_agent_request_cancel(g_ptr_array_index(m->requests, 0));
  g_hash_table_remove_all(m->agents);
}

void osp_agent_manager_free(OspAgentManager *m)
{
  if (!m)
    return;
  while (m->requests->len > 0)
    osp_agent_request_cancel(g_ptr_array_index(m->requests, 0));
  g_ptr_array_unref(m->requests);
  g_hash_table_destroy(m->agents);
  g_object_unref(m->bus);
  g_free(m);
}

static guint count_agents_of(OspAgentManager *m, guint32 uid)
{
  GHashTableIter it;
  Agent *a;
  guint n = 0;

  g_hash_table_iter_init(&it, m->agents);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&a))
    if (a->uid == uid)
      n++;
  return n;
}

gboolean osp_agent_manager_register(OspAgentManager *m, const char *sender, guint32 uid,
                                    const char *path, GError **error)
{
  Agent *a;

  if (!g_variant_is_object_path(path) || strcmp(path, "/") == 0 || strlen(path) > 255) {
    g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_INVALID_ARGUMENTS,
                "Invalid agent object path");
    return FALSE;
  }
  if (g_hash_table_contains(m->agents, sender)) {
    g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_ALREADY_EXISTS,
                "This D-Bus connection already registered an agent");
    return FALSE;
  }
  if (g_hash_table_size(m->agents) >= OSP_AGENT_MAX ||
      count_agents_of(m, uid) >= OSP_AGENT_MAX_PER_UID) {
    g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_LIMIT_EXCEEDED,
                "Too many agents registered");
    return FALSE;
  }
  a = g_new0(Agent, 1);
  a->m = m;
  a->sender = g_strdup(sender);
  a->path = g_strdup(path);
  a->uid = uid;
  a->serial = ++m->next_serial;
  g_hash_table_insert(m->agents, a->sender, a);
  /* The unique name may already be gone: then vanished runs at once from
   * the main loop and unregisters it. */
  a->watch_id = g_bus_watch_name_on_connection(m->bus, sender, G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                               name_vanished, m, NULL);
  g_debug("Agent %s%s registered for uid %u", sender, path, uid);
  return TRUE;
}

gboolean osp_agent_manager_unregister(OspAgentManager *m, const char *sender, const char *path,
                                      GError **error)
{
  Agent *a = g_hash_table_lookup(m->agents, sender);

  if (!a || strcmp(a->path, path) != 0) {
    g_set_error(error, OSP_DAEMON_ERROR, OSP_DAEMON_ERROR_NOT_FOUND,
                "No agent registered at this path by this D-Bus connection");
    return FALSE;
  }
  agent_vanished(m, sender, TRUE);
  return TRUE;
}

gboolean osp_agent_manager_has_agent(OspAgentManager *m, guint32 uid)
{
  return count_agents_of(m, uid) > 0;
}

/* The preferred sender's agent, else the user's newest not yet tried. */
static Agent *pick_agent(OspAgentManager *m, const char *preferred, guint32 uid, GPtrArray *tried)
{
  GHashTableIter it;
  Agent *a, *best = NULL;

  if (preferred) {
    a = g_hash_table_lookup(m->agents, preferred);
    if (a && a->uid == uid &&
        (!tried || !g_ptr_array_find_with_equal_func(tried, a->sender, g_str_equal, NULL)))
      return a;
  }
  g_hash_table_iter_init(&it, m->agents);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&a)) {
    if (a->uid != uid)
      continue;
    if (tried && g_ptr_array_find_with_equal_func(tried, a->sender, g_str_equal, NULL))
      continue;
    if (!best || a->serial > best->serial)
      best = a;
  }
  return best;
}

static void request_free(OspAgentRequest *req)
{
  g_ptr_array_remove_fast(req->m->requests, req);
  g_free(req->preferred_sender);
  g_free(req->connection_path);
  g_strfreev(req->kinds);
  g_free(req->message);
  g_clear_pointer(&req->details, g_variant_unref);
  g_ptr_array_unref(req->tried);
  g_free(req);
}

static void request_finish(OspAgentRequest *req, GVariant *secrets, const GError *error)
{
  OspAgentSecretsFunc func = req->func;
  gpointer user_data = req->user_data;

  request_free(req);
  func(secrets, error, user_data);
}

static gboolean is_cancelled_reply(const GError *error)
{
  g_autofree char *remote = NULL;

  if (g_error_matches(error, OSP_ERROR, OSP_ERROR_CANCELLED))
    return TRUE;
  remote = g_dbus_error_get_remote_error(error);
  return remote && strcmp(remote, "net.ospreyvpn.Osprey1.Error.Cancelled") == 0;
}

static void got_secrets(GObject *source, GAsyncResult *res, gpointer user_data)
{
  Call *c = user_data;
  OspAgentRequest *req = c->req;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
  g_autoptr(GVariant) secrets = NULL;

  if (!req) { /* withdrawn */
    call_free(c);
    return;
  }
  req->call = NULL;
  if (reply) {
    g_variant_get(reply, "(@a{ss})", &secrets);
    call_free(c);
    request_finish(req, secrets, NULL);
    return;
  }
  if (is_cancelled_reply(error)) {
    g_autoptr(GError) cancelled = g_error_new_literal(OSP_ERROR, OSP_ERROR_CANCELLED,
                                                      "The user cancelled the secret request");

    call_free(c);
    request_finish(req, NULL, cancelled);
    return;
  }
  g_info("Agent %s%s did not answer GetSecrets: %s", c->sender, c->path, error->message);
  call_free(c);
  request_next(req);
}

static void request_next(OspAgentRequest *req)
{
  Agent *a = pick_agent(req->m, req->preferred_sender, req->uid, req->tried);
  Call *c;

  if (!a) {
    g_autoptr(GError) error =
        g_error_new_literal(OSP_ERROR, OSP_ERROR_SECRETS_REQUIRED,
                            req->tried->len ? "No agent supplied the secrets"
                                            : "Secrets are needed and no agent is registered");
    request_finish(req, NULL, error);
    return;
  }
  g_ptr_array_add(req->tried, g_strdup(a->sender));
  c = g_new0(Call, 1);
  c->req = req;
  c->sender = g_strdup(a->sender);
  c->path = g_strdup(a->path);
  c->cancellable = g_cancellable_new();
  req->call = c;
  g_dbus_connection_call(req->m->bus, a->sender, a->path, AGENT_IFACE, "GetSecrets",
                         g_variant_new("(o^assb@a{sv})", req->connection_path, req->kinds,
                                       req->message, req->retry, req->details),
                         G_VARIANT_TYPE("(a{ss})"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                         OSP_AGENT_TIMEOUT_MS, c->cancellable, got_secrets, c);
}

static gboolean request_start_idle(gpointer user_data)
{
  request_next(user_data);
  return G_SOURCE_REMOVE;
}

OspAgentRequest *osp_agent_manager_get_secrets(OspAgentManager *m, const char *preferred_sender,
                                               guint32 uid, const char *connection_path,
                                               const char *const *kinds, const char *message,
                                               gboolean retry, GVariant *details,
                                               OspAgentSecretsFunc func, gpointer user_data)
{
  OspAgentRequest *req = g_new0(OspAgentRequest, 1);

  req->m = m;
  req->preferred_sender = g_strdup(preferred_sender);
  req->uid = uid;
  req->connection_path = g_strdup(connection_path);
  req->kinds = g_strdupv((char **)kinds);
  req->message = g_strdup(message ? message : "");
  req->retry = retry;
  req->details = details ? g_variant_ref_sink(details)
                         : g_variant_ref_sink(g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
  req->func = func;
  req->user_data = user_data;
  req->tried = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(m->requests, req);
  /* Never call back before returning: the caller stores the request. */
  req->call = NULL;
  g_idle_add_full(G_PRIORITY_DEFAULT, request_start_idle, req, NULL);
  return req;
}

void osp_agent_request_cancel(OspAgentRequest *req)
{
  if (!req)
    return;
  /* A request still waiting for its idle start has no call yet. */
  g_idle_remove_by_data(req);
  request_withdraw_call(req, TRUE);
  request_free(req);
}

void osp_agent_manager_display_banner(OspAgentManager *m, const char *preferred_sender, guint32 uid,
                                      const char *connection_path, const char *banner)
{
  Agent *a = pick_agent(m, preferred_sender, uid, NULL);

  if (!a)
    return;
  g_dbus_connection_call(m->bus, a->sender, a->path, AGENT_IFACE, "DisplayBanner",
                         g_variant_new("(os)", connection_path, banner), NULL,
                         G_DBUS_CALL_FLAGS_NO_AUTO_START, 10000, NULL, NULL, NULL);
}
