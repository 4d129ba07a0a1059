/* SPDX-License-Identifier: GPL-2.0-or-later
 * osprey-tray — the details window of a connection: state and since,
 * gateway, the IP configuration, traffic counters and rates, the banner.
 * Filled from the Connection object's properties; updated from their
 * PropertiesChanged only while the window is shown (no timer). */
#include "osp-settings.h"
#include "osp-tray.h"

#include <string.h>

struct _OspTrayDetails {
  GtkWidget *window;
  GtkWidget *grid;
  GtkWidget *choice_row, *choice; /* which connection, once two or more are there */
  char *choices;                  /* the profile names in choice, joined */
  char *profile;
  GHashTable *values; /* field id -> value GtkLabel */
  guint64 last_rx, last_tx;
  gint64 last_time;
  double rx_rate, tx_rate;
  guint tick_id; /* lifetimes left and rates, only while the window is shown */
};

static const struct {
  const char *id;
  const char *label;
} fields[] = {
  { "state", N_("State") },
  { "since", N_("Connected since") },
  { "gateway", N_("Gateway") },
  { "address", N_("Address in the VPN") },
  { "device", N_("Interface") },
  { "mtu", N_("MTU") },
  { "dns", N_("DNS servers") },
  { "domain", N_("Domain") },
  { "split-dns", N_("Domains through the VPN") },
  { "routes", N_("Networks through the VPN") },
  { "ike", N_("IKE SA") },
  { "ike-auth", N_("Authentication") },
  { "natt", N_("NAT traversal") },
  { "esp", N_("IPsec SA") },
  { "spis", N_("SPIs") },
  { "received", N_("Received") },
  { "sent", N_("Sent") },
  { "rekeys", N_("Rekeys") },
  { "errors", N_("Rejected packets") },
  { "banner", N_("Banner") },
};

static void set_field(OspTrayDetails *d, const char *id, const char *value)
{
  GtkLabel *label = g_hash_table_lookup(d->values, id);
  const char *text = value && *value ? value : "—";

  gtk_label_set_text(label, text);
  atk_object_set_description(gtk_widget_get_accessible(GTK_WIDGET(label)), text);
}

static void set_field_take(OspTrayDetails *d, const char *id, char *value)
{
  set_field(d, id, value);
  g_free(value);
}

static char *strv_of(GVariant *ip, const char *key)
{
  g_autofree const char **v = NULL;
  g_autoptr(GVariant) value =
      ip ? g_variant_lookup_value(ip, key, G_VARIANT_TYPE_STRING_ARRAY) : NULL;
  g_autofree char *joined = NULL;

  if (!value)
    return NULL;
  v = g_variant_get_strv(value, NULL);
  joined = g_strjoinv(", ", (char **)v);
  return osp_tray_plain_text(joined, TRUE);
}

static char *string_of(GVariant *ip, const char *key)
{
  const char *s = NULL;

  if (ip)
    g_variant_lookup(ip, key, "&s", &s);
  return s ? osp_tray_plain_text(s, TRUE) : NULL;
}

static guint64 stat_of(GVariant *stats, const char *key)
{
  guint64 v = 0;

  if (stats)
    g_variant_lookup(stats, key, "t", &v);
  return v;
}

static char *traffic_text(guint64 bytes, guint64 packets, double rate)
{
  g_autofree char *size = g_format_size(bytes);
  g_autofree char *per_s = g_format_size((guint64)rate);

  /* TRANSLATORS: bytes, packets, rate, e.g. "1.2 MB in 900 packets, 3.4 kB/s" */
  return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%s in %lu packet, %s/s",
                                     "%s in %lu packets, %s/s", (gulong)packets),
                         size, (gulong)packets, per_s);
}

static void update_rates(OspTrayDetails *d, guint64 rx, guint64 tx)
{
  gint64 now = g_get_monotonic_time();

  if (d->last_time && rx == d->last_rx && tx == d->last_tx) {
    /* the daemon signals counters every 2 s while they change */
    if (now - d->last_time > 3 * G_USEC_PER_SEC)
      d->rx_rate = d->tx_rate = 0;
    return;
  }
  if (d->last_time && now > d->last_time && rx >= d->last_rx && tx >= d->last_tx) {
    double secs = (double)(now - d->last_time) / G_USEC_PER_SEC;

    d->rx_rate = (double)(rx - d->last_rx) / secs;
    d->tx_rate = (double)(tx - d->last_tx) / secs;
  }
  d->last_rx = rx;
  d->last_tx = tx;
  d->last_time = now;
}

static const char *crypto_string(GVariant *crypto, const char *key)
{
  const char *v = NULL;

  if (crypto)
    g_variant_lookup(crypto, key, "&s", &v);
  return v;
}

/* "AES-256, SHA2-256, MODP-2048, 7 h 59 min left" */
static char *sa_text(GVariant *crypto, const char *cipher, const char *integrity, const char *group,
                     const char *expires_key)
{
  g_autofree char *left = NULL;
  gint64 at = 0;

  if (!crypto_string(crypto, cipher))
    return NULL;
  if (g_variant_lookup(crypto, expires_key, "x", &at) && at > 0) {
    gint64 s = MAX(at - g_get_real_time(), 0) / G_USEC_PER_SEC;

    /* TRANSLATORS: lifetime left of a security association */
    left = g_strdup_printf(_("%d h %02d min %02d s left"), (int)(s / 3600), (int)(s % 3600 / 60),
                           (int)(s % 60));
  }
  /* TRANSLATORS: cipher, integrity, DH group (or PFS), lifetime left */
  return g_strdup_printf(_("%s, %s, %s, %s"), crypto_string(crypto, cipher),
                         crypto_string(crypto, integrity), group, left ? left : "—");
}

static void fill_crypto(OspTrayDetails *d, GVariant *crypto)
{
  const char *pfs = crypto_string(crypto, "esp-pfs-group");
  g_autofree char *pfs_text = NULL, *spis = NULL, *auth = NULL;
  guint32 spi_in = 0, spi_out = 0;
  gboolean natt = FALSE, xauth = FALSE;

  set_field_take(d, "ike",
                 sa_text(crypto, "ike-cipher", "ike-integrity",
                         crypto_string(crypto, "ike-dh-group"), "ike-expires"));
  if (crypto && g_variant_lookup(crypto, "ike-xauth", "b", &xauth))
    auth = osp_setting_ike_auth_text(crypto_string(crypto, "ike-auth"), xauth,
                                     crypto_string(crypto, "ike-signature"),
                                     crypto_string(crypto, "ike-exchange"));
  set_field(d, "ike-auth", auth);
  if (crypto && g_variant_lookup(crypto, "nat-t", "b", &natt))
    set_field(d, "natt", natt ? _("yes, UDP 4500") : _("no"));
  else
    set_field(d, "natt", NULL);
  /* TRANSLATORS: %s is a DH group, e.g. MODP-2048 */
  pfs_text = pfs && *pfs ? g_strdup_printf(_("PFS %s"), pfs) : g_strdup(_("no PFS"));
  set_field_take(d, "esp", sa_text(crypto, "esp-cipher", "esp-integrity", pfs_text, "esp-expires"));
  if (crypto && g_variant_lookup(crypto, "esp-spi-in", "u", &spi_in) &&
      g_variant_lookup(crypto, "esp-spi-out", "u", &spi_out))
    /* TRANSLATORS: the SPIs of the IPsec SA pair, inbound and outbound */
    spis = g_strdup_printf(_("in 0x%08x, out 0x%08x"), spi_in, spi_out);
  set_field(d, "spis", spis);
}

static void fill(OspTray *t, OspDBusConnection *c)
{
  OspTrayDetails *d = t->details;
  GVariant *ip = c ? osp_dbus_connection_get_ip_config(c) : NULL;
  GVariant *stats = c ? osp_dbus_connection_get_stats(c) : NULL;
  g_autofree char *since = NULL, *mtu = NULL, *routes = NULL, *rx = NULL, *tx = NULL;
  g_autofree char *rekeys = NULL, *errors = NULL, *state = NULL;
  g_autofree char *gateway = NULL, *banner = NULL;
  guint32 mtu_value = 0;
  gboolean full = FALSE;

  if (c && osp_dbus_connection_get_since(c) > 0) {
    g_autoptr(GDateTime) dt =
        g_date_time_new_from_unix_local(osp_dbus_connection_get_since(c) / G_USEC_PER_SEC);
    g_autofree char *age = osp_tray_age_text(osp_dbus_connection_get_since(c), g_get_real_time());
    g_autofree char *when = g_date_time_format(dt, "%x %X");

    /* TRANSLATORS: a date and time, how long ago */
    since = g_strdup_printf(_("%s (%s)"), when, age);
  }
  if (c) {
    const char *sentence = osp_tray_reason_sentence(osp_dbus_connection_get_state_reason(c));

    state = sentence
                ? g_strdup_printf("%s: %s", osp_tray_state_text(osp_dbus_connection_get_state(c)),
                                  sentence)
                : g_strdup(osp_tray_state_text(osp_dbus_connection_get_state(c)));
  } else {
    state = g_strdup(osp_tray_state_text("disconnected"));
  }
  set_field(d, "state", state);
  set_field(d, "since", since);
  gateway = c ? osp_tray_plain_text(osp_dbus_connection_get_gateway(c), TRUE) : NULL;
  set_field(d, "gateway", gateway);
  set_field_take(d, "address", string_of(ip, "address"));
  set_field_take(d, "device", string_of(ip, "device"));
  if (ip && g_variant_lookup(ip, "mtu", "u", &mtu_value))
    mtu = g_strdup_printf("%u", mtu_value);
  set_field(d, "mtu", mtu);
  set_field_take(d, "dns", strv_of(ip, "dns"));
  set_field_take(d, "domain", string_of(ip, "domain"));
  set_field_take(d, "split-dns", strv_of(ip, "split-dns"));
  if (ip && g_variant_lookup(ip, "full-tunnel", "b", &full) && full)
    routes = g_strdup(_("everything (full tunnel)"));
  else
    routes = strv_of(ip, "split-include");
  set_field(d, "routes", routes);
  fill_crypto(d, c ? osp_dbus_connection_get_crypto(c) : NULL);
  update_rates(d, stat_of(stats, "rx-bytes"), stat_of(stats, "tx-bytes"));
  rx = traffic_text(stat_of(stats, "rx-bytes"), stat_of(stats, "rx-packets"), d->rx_rate);
  tx = traffic_text(stat_of(stats, "tx-bytes"), stat_of(stats, "tx-packets"), d->tx_rate);
  set_field(d, "received", rx);
  set_field(d, "sent", tx);
  rekeys = g_strdup_printf("%" G_GUINT64_FORMAT, stat_of(stats, "rekeys"));
  errors = g_strdup_printf("%" G_GUINT64_FORMAT, stat_of(stats, "rx-errors"));
  set_field(d, "rekeys", rekeys);
  set_field(d, "errors", errors);
  banner = c ? osp_tray_plain_text(osp_dbus_connection_get_banner(c), FALSE) : NULL;
  set_field(d, "banner", banner);
}

static OspDBusConnection *shown_connection(OspTray *t)
{
  g_autoptr(OspDBusProfile) p = osp_tray_lookup_profile(t, t->details->profile);

  return p ? osp_tray_lookup_connection(t, osp_dbus_profile_get_active_connection(p)) : NULL;
}

void osp_tray_details_changed(OspTray *t, OspDBusConnection *c)
{
  OspTrayDetails *d = t->details;
  g_autoptr(OspDBusConnection) shown = NULL;

  if (!d || !gtk_widget_get_visible(d->window))
    return;
  shown = shown_connection(t);
  if (!c || shown == c)
    fill(t, shown);
}

/* The profile to show when none is named: one that is up, else one with a
 * connection object, else the first. */
static char *pick_profile(OspTray *t)
{
  g_autofree char *any = NULL, *first = NULL;
  GList *objects = t->om ? g_dbus_object_manager_get_objects(t->om) : NULL;
  char *up = NULL;

  for (GList *l = objects; l && !up; l = l->next) {
    g_autoptr(OspDBusProfile) p = osp_dbus_object_get_profile(OSP_DBUS_OBJECT(l->data));
    g_autoptr(OspDBusConnection) c = NULL;

    if (!p)
      continue;
    c = osp_tray_lookup_connection(t, osp_dbus_profile_get_active_connection(p));
    if (!first)
      first = g_strdup(osp_dbus_profile_get_name(p));
    if (c && !any)
      any = g_strdup(osp_dbus_profile_get_name(p));
    if (c && strcmp(osp_dbus_connection_get_state(c), "connected") == 0)
      up = g_strdup(osp_dbus_profile_get_name(p));
  }
  g_list_free_full(objects, g_object_unref);
  if (up)
    return up;
  return any ? g_steal_pointer(&any) : g_steal_pointer(&first);
}

static void set_profile(OspTray *t, const char *name)
{
  OspTrayDetails *d = t->details;
  g_autofree char *title = NULL;

  if (name != d->profile) {
    g_free(d->profile);
    d->profile = g_strdup(name);
  }
  d->last_time = 0;
  d->rx_rate = d->tx_rate = 0;
  /* TRANSLATORS: window title; %s is a profile name */
  title = g_strdup_printf(_("Osprey VPN details: %s"), d->profile ? d->profile : "");
  gtk_window_set_title(GTK_WINDOW(d->window), title);
}

static void on_choice(GtkComboBox *choice, gpointer user_data)
{
  OspTray *t = user_data;
  const char *name = gtk_combo_box_get_active_id(choice);
  g_autoptr(OspDBusConnection) c = NULL;

  if (!name || g_strcmp0(name, t->details->profile) == 0)
    return;
  set_profile(t, name);
  c = shown_connection(t);
  fill(t, c);
}

/* The profiles with a connection, to choose from when there are two or
 * more; the list is rebuilt only when it changed (an open popup stays). */
static void fill_choices(OspTray *t)
{
  OspTrayDetails *d = t->details;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *const *paths = t->manager ? osp_dbus_manager_get_profiles(t->manager) : NULL;
  g_autofree char *joined = NULL;

  for (; paths && *paths && t->om; paths++) {
    g_autoptr(GDBusInterface) p =
        g_dbus_object_manager_get_interface(t->om, *paths, "net.ospreyvpn.Osprey1.Profile");
    g_autoptr(OspDBusConnection) c =
        p ? osp_tray_lookup_connection(t,
                                       osp_dbus_profile_get_active_connection(OSP_DBUS_PROFILE(p)))
          : NULL;

    if (c)
      g_ptr_array_add(names, g_strdup(osp_dbus_profile_get_name(OSP_DBUS_PROFILE(p))));
  }
  gtk_widget_set_visible(d->choice_row, names->len >= 2);
  g_ptr_array_add(names, NULL);
  joined = g_strjoinv("\n", (char **)names->pdata);
  g_signal_handlers_block_by_func(d->choice, on_choice, t);
  if (g_strcmp0(joined, d->choices) != 0) {
    gtk_combo_box_text_remove_all(GTK_COMBO_BOX_TEXT(d->choice));
    for (guint i = 0; names->pdata[i]; i++)
      gtk_combo_box_text_append(GTK_COMBO_BOX_TEXT(d->choice), names->pdata[i], names->pdata[i]);
    g_free(d->choices);
    d->choices = g_steal_pointer(&joined);
  }
  if (!d->profile || !gtk_combo_box_set_active_id(GTK_COMBO_BOX(d->choice), d->profile))
    gtk_combo_box_set_active(GTK_COMBO_BOX(d->choice), -1);
  g_signal_handlers_unblock_by_func(d->choice, on_choice, t);
}

static gboolean on_tick(gpointer user_data)
{
  OspTray *t = user_data;
  g_autoptr(OspDBusConnection) c = shown_connection(t);

  fill_choices(t);
  fill(t, c);
  return G_SOURCE_CONTINUE;
}

static void on_map(GtkWidget *w, gpointer user_data)
{
  OspTray *t = user_data;

  if (!t->details->tick_id)
    t->details->tick_id = g_timeout_add_seconds(1, on_tick, t);
}

static void on_unmap(GtkWidget *w, gpointer user_data)
{
  OspTray *t = user_data;

  g_clear_handle_id(&t->details->tick_id, g_source_remove);
}

static gboolean on_delete(GtkWidget *w, GdkEvent *event, gpointer user_data)
{
  gtk_widget_hide(w);
  return TRUE; /* kept for next time; hidden, it updates nothing */
}

static gboolean on_key(GtkWidget *w, GdkEventKey *event, gpointer user_data)
{
  if (event->keyval != GDK_KEY_Escape)
    return FALSE;
  gtk_widget_hide(w);
  return TRUE;
}

static void build_window(OspTray *t)
{
  OspTrayDetails *d = g_new0(OspTrayDetails, 1);
  GtkWidget *box, *scroll, *close, *label;

  t->details = d;
  d->values = g_hash_table_new(g_str_hash, g_str_equal);
  d->window = gtk_application_window_new(t->app);
  gtk_window_set_default_size(GTK_WINDOW(d->window), 560, 660);
  gtk_window_set_icon_name(GTK_WINDOW(d->window), "osprey-connected");
  g_signal_connect(d->window, "delete-event", G_CALLBACK(on_delete), t);
  g_signal_connect(d->window, "map", G_CALLBACK(on_map), t);
  g_signal_connect(d->window, "unmap", G_CALLBACK(on_unmap), t);
  box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
  gtk_container_add(GTK_CONTAINER(d->window), box);
  d->choice_row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
  g_object_set(d->choice_row, "margin", 12, NULL);
  label = gtk_label_new_with_mnemonic(_("C_onnection"));
  d->choice = gtk_combo_box_text_new();
  atk_object_set_name(gtk_widget_get_accessible(d->choice), _("Connection"));
  gtk_label_set_mnemonic_widget(GTK_LABEL(label), d->choice);
  gtk_widget_set_hexpand(d->choice, TRUE);
  g_signal_connect(d->choice, "changed", G_CALLBACK(on_choice), t);
  gtk_container_add(GTK_CONTAINER(d->choice_row), label);
  gtk_container_add(GTK_CONTAINER(d->choice_row), d->choice);
  gtk_container_add(GTK_CONTAINER(box), d->choice_row);
  scroll = gtk_scrolled_window_new(NULL, NULL);
  gtk_widget_set_vexpand(scroll, TRUE);
  gtk_container_add(GTK_CONTAINER(box), scroll);
  close = gtk_button_new_with_mnemonic(_("_Close"));
  atk_object_set_name(gtk_widget_get_accessible(close), _("Close"));
  gtk_widget_set_halign(close, GTK_ALIGN_END);
  g_object_set(close, "margin", 12, NULL);
  g_signal_connect_swapped(close, "clicked", G_CALLBACK(gtk_widget_hide), d->window);
  gtk_container_add(GTK_CONTAINER(box), close);
  gtk_widget_set_can_default(close, TRUE);
  gtk_window_set_default(GTK_WINDOW(d->window), close);
  /* the first field would take the focus and show its text selected */
  gtk_window_set_focus(GTK_WINDOW(d->window), close);
  g_signal_connect(d->window, "key-press-event", G_CALLBACK(on_key), NULL);
  d->grid = gtk_grid_new();
  gtk_grid_set_row_spacing(GTK_GRID(d->grid), 6);
  gtk_grid_set_column_spacing(GTK_GRID(d->grid), 18);
  gtk_container_set_border_width(GTK_CONTAINER(d->grid), 18);
  gtk_container_add(GTK_CONTAINER(scroll), d->grid);
  for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
    GtkWidget *name = gtk_label_new(_(fields[i].label));
    GtkWidget *value = gtk_label_new("—");

    gtk_label_set_xalign(GTK_LABEL(name), 1);
    gtk_label_set_yalign(GTK_LABEL(name), 0);
    gtk_style_context_add_class(gtk_widget_get_style_context(name), "dim-label");
    gtk_label_set_xalign(GTK_LABEL(value), 0);
    gtk_label_set_selectable(GTK_LABEL(value), TRUE);
    gtk_label_set_line_wrap(GTK_LABEL(value), TRUE);
    gtk_widget_set_hexpand(value, TRUE);
    /* a screen reader reads "Gateway" for the value, its text as description */
    atk_object_set_name(gtk_widget_get_accessible(value), _(fields[i].label));
    gtk_label_set_mnemonic_widget(GTK_LABEL(name), value);
    gtk_grid_attach(GTK_GRID(d->grid), name, 0, (int)i, 1, 1);
    gtk_grid_attach(GTK_GRID(d->grid), value, 1, (int)i, 1, 1);
    g_hash_table_insert(d->values, (gpointer)fields[i].id, value);
  }
  gtk_widget_show_all(box);
  gtk_widget_hide(d->choice_row);
}

void osp_tray_details_show(OspTray *t, const char *profile_name)
{
  g_autofree char *picked = NULL;
  g_autoptr(OspDBusConnection) c = NULL;

  if (!t->details)
    build_window(t);
  if (!profile_name)
    profile_name = picked = pick_profile(t);
  set_profile(t, profile_name);
  fill_choices(t);
  c = shown_connection(t);
  fill(t, c);
  gtk_window_present(GTK_WINDOW(t->details->window));
}

void osp_tray_details_free(OspTray *t)
{
  OspTrayDetails *d = t->details;

  if (!d)
    return;
  t->details = NULL;
  g_clear_handle_id(&d->tick_id, g_source_remove);
  g_signal_handlers_disconnect_by_data(d->window, t);
  gtk_widget_destroy(d->window);
  g_hash_table_unref(d->values);
  g_free(d->choices);
  g_free(d->profile);
  g_free(d);
}
