#include "tools/notify_setup.h"
#include "tools/config_section.h"
#include "engine/store.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace dutyflow {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string beside_db(const std::string& db_path, const std::string& name) {
  return (fs::path(db_path).parent_path() / name).string();
}

// Reads a secret file, refusing one that group or others may read.
result<std::string> read_secret_file(const std::string& path, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return make_error(errc::not_found, std::string(what) + ": cannot read " + path);
  if ((st.st_mode & 077) != 0)
    return make_error(errc::invalid, std::string(what) + ": " + path + " is readable by others; chmod 600 it");
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(errc::storage, std::string(what) + ": cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

bool read_smtp(const config_section& s, notify_settings& out, std::string& error) {
  auto& o = out.smtp;
  std::string security, encoding;
  long long port = o.port;
  if (!s.check_keys({"host", "port", "security", "verify_certificate", "ca_file", "username", "password_file",
                     "allow_plaintext_auth", "from_address", "from_name", "helo", "timeout", "body_encoding"},
                    error) ||
      !s.string("host", o.host, error) || !s.integer("port", 1, 65535, port, error) ||
      !s.string("security", security, error) || !s.boolean("verify_certificate", o.verify_certificate, error) ||
      !s.string("ca_file", o.ca_file, error) || !s.string("username", o.username, error) ||
      !s.string("password_file", out.smtp_password_file, error) ||
      !s.boolean("allow_plaintext_auth", o.allow_plaintext_auth, error) ||
      !s.string("from_address", o.from_address, error) || !s.string("from_name", o.from_name, error) ||
      !s.string("helo", o.helo, error) || !s.duration("timeout", o.timeout, error) ||
      !s.string("body_encoding", encoding, error))
    return false;
  o.port = static_cast<unsigned short>(port);
  if (security == "auto")
    o.security = notify::smtp_security::starttls_if_offered;
  else if (security == "starttls")
    o.security = notify::smtp_security::starttls;
  else if (security == "tls")
    o.security = notify::smtp_security::tls;
  else if (security == "none")
    o.security = notify::smtp_security::none;
  else if (!security.empty()) {
    error = "\"" + s.path("security") + "\" must be \"auto\", \"starttls\", \"tls\" or \"none\"";
    return false;
  }
  if (encoding == "quoted-printable")
    o.encoding = notify::body_encoding::quoted_printable;
  else if (encoding == "base64")
    o.encoding = notify::body_encoding::base64;
  else if (!encoding.empty()) {
    error = "\"" + s.path("body_encoding") + "\" must be \"quoted-printable\" or \"base64\"";
    return false;
  }
  if (o.timeout.count() <= 0) {
    error = "\"" + s.path("timeout") + "\" must be at least 1s";
    return false;
  }
  return true;
}

// notify.webhook.allow: the only place that lets webhooks reach a host (plan files name
// URLs, they never allow one).
bool read_webhook_allow(const json& webhook, std::vector<notify::webhook_allow_rule>& out, std::string& error) {
  auto it = webhook.find("allow");
  if (it == webhook.end()) return true;
  if (!it->is_array()) {
    error = "\"notify.webhook.allow\" must be a list of host, host:port, address or network patterns";
    return false;
  }
  std::vector<notify::webhook_allow_rule> rules;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& v = (*it)[i];
    auto rule = v.is_string() ? notify::parse_webhook_allow(v.get<std::string>()) : std::nullopt;
    if (!rule) {
      error = "\"notify.webhook.allow[" + std::to_string(i) + "]\": " + v.dump() +
              " is not a host (\"hooks.example.vn\", \"*.example.vn\", \"*\"), an address (\"10.1.2.3\", \"[::1]\") "
              "or a network (\"10.0.0.0/8\"), with an optional \":port\"";
      return false;
    }
    rules.push_back(std::move(*rule));
  }
  out = std::move(rules);
  return true;
}

}  // namespace

status read_notify_settings(const std::string& config_path, notify_settings& out) {
  auto config = read_config_file(config_path);
  if (!config) return std::move(config).err();
  return read_notify_settings(*config, out);
}

status read_notify_settings(const config_file& config, notify_settings& out) {
  auto section = config.section("notify");
  if (!section) return std::move(section).err();
  if ((*section)->is_null()) return ok_status();
  const auto* it = *section;
  std::string error;
  auto bad = [&] { return config.invalid(error); };
  const config_section n(*it, "notify");
  auto& d = out.dispatcher;
  long long batch = d.batch;
  if (!n.check_keys({"enabled", "base_url", "templates", "link_key", "link_ttl", "poll_interval", "batch", "retry",
                     "smtp", "webhook", "file"},
                    error) ||
      !n.boolean("enabled", out.enabled, error) || !n.string("base_url", d.compose.base_url, error) ||
      !n.string("templates", out.templates, error) || !n.string("link_key", out.link_key, error) ||
      !n.duration("link_ttl", d.compose.link_ttl, error) || !n.duration("poll_interval", d.poll_interval, error) ||
      !n.integer("batch", 1, 10000, batch, error))
    return bad();
  d.batch = static_cast<int>(batch);
  if (d.compose.link_ttl.count() <= 0 || d.poll_interval.count() <= 0) {
    error = "\"notify.link_ttl\" and \"notify.poll_interval\" must be longer than zero";
    return bad();
  }
  if (const auto* r = n.object("retry", error)) {
    const config_section rs(*r, "notify.retry");
    long long attempts = d.retry.max_attempts;
    if (!rs.check_keys({"max_attempts", "initial_backoff", "max_backoff", "jitter"}, error) ||
        !rs.integer("max_attempts", 1, 1000, attempts, error) ||
        !rs.duration("initial_backoff", d.retry.initial_backoff, error) ||
        !rs.duration("max_backoff", d.retry.max_backoff, error) ||
        !rs.number("jitter", 0.0, 1.0, d.retry.jitter, error))
      return bad();
    d.retry.max_attempts = static_cast<int>(attempts);
  }
  if (!error.empty()) return bad();
  if (const auto* s = n.object("smtp", error)) {
    if (!read_smtp(config_section(*s, "notify.smtp"), out, error)) return bad();
  }
  if (!error.empty()) return bad();
  if (const auto* w = n.object("webhook", error)) {
    const config_section ws(*w, "notify.webhook");
    if (!ws.check_keys({"secrets_file", "timeout", "verify_certificate", "ca_file", "allow"}, error) ||
        !ws.string("secrets_file", out.webhook_secrets, error) || !ws.duration("timeout", out.webhook.timeout, error) ||
        !ws.boolean("verify_certificate", out.webhook.verify_certificate, error) ||
        !ws.string("ca_file", out.webhook.ca_file, error) || !read_webhook_allow(*w, out.webhook.allow, error))
      return bad();
    if (out.webhook.timeout.count() <= 0) {
      error = "\"notify.webhook.timeout\" must be at least 1s";
      return bad();
    }
  }
  if (!error.empty()) return bad();
  if (const auto* f = n.object("file", error)) {
    const config_section fs_section(*f, "notify.file");
    if (!fs_section.check_keys({"dir"}, error) || !fs_section.string("dir", out.file.dir, error)) return bad();
  }
  if (!error.empty()) return bad();
  return ok_status();
}

result<std::shared_ptr<const security::link_tokens>> load_link_signer(const notify_settings& s,
                                                                    const std::string& db_path) {
  const auto path = s.link_key.empty() ? beside_db(db_path, "link.key") : s.link_key;
  bool created = false;
  auto signer = security::load_signer(path, security::signing_use::action_link, &created);
  if (!signer) return signer.err();
  if (created) spdlog::info("notify: new one-click link key written to {}", path);
  return std::shared_ptr<const security::link_tokens>(std::make_shared<security::link_tokens>(std::move(*signer)));
}

result<std::unique_ptr<notify::dispatcher>> make_dispatcher(const notify_settings& s, const std::string& db_path,
                                                            const std::string& synchronous,
                                                            std::shared_ptr<const security::link_tokens> links,
                                                            const clock_source& clock, const kind_registry& kinds,
                                                            const std::string& listen_url) {
  auto templates = notify::template_set::load(s.templates);
  if (!templates) return templates.err();

  notify::channel_map channels;
  channels["log"] = std::make_shared<notify::log_channel>();
  auto file_opts = s.file;
  if (file_opts.dir.empty()) file_opts.dir = beside_db(db_path, "notifications");
  channels["file"] = std::make_shared<notify::file_channel>(file_opts);

  auto smtp = s.smtp;
  if (smtp.host.empty()) {
    spdlog::warn("notify: no SMTP relay configured (notify.smtp.host); e-mail contacts are written to the log");
    channels["email"] = std::make_shared<notify::log_channel>("no SMTP relay configured");
  } else {
    if (!s.smtp_password_file.empty()) {
      auto password = read_secret_file(s.smtp_password_file, "smtp password");
      if (!password) return password.err();
      auto p = std::move(*password);
      while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
      smtp.password = std::move(p);
    }
    auto channel = std::make_shared<notify::smtp_channel>(smtp);
    if (!channel->config_error().empty()) return make_error(errc::invalid, "notify.smtp: " + channel->config_error());
    spdlog::info("notify: e-mail through {}:{} (security {}, {})", smtp.host, smtp.port,
                 smtp.security == notify::smtp_security::tls        ? "tls"
                 : smtp.security == notify::smtp_security::starttls ? "starttls"
                 : smtp.security == notify::smtp_security::none     ? "none"
                                                                    : "auto",
                 smtp.username.empty() ? "no AUTH" : "AUTH as " + smtp.username);
    channels["email"] = std::move(channel);
  }

  auto webhook = s.webhook;
  const auto secrets_path = s.webhook_secrets.empty() ? beside_db(db_path, "webhook-secrets.json") : s.webhook_secrets;
  if (fs::exists(secrets_path)) {
    auto text = read_secret_file(secrets_path, "webhook secrets");
    if (!text) return text.err();
    auto doc = json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      return make_error(errc::invalid,
                        "webhook secrets: " + secrets_path + " must be a JSON object of names to secrets");
    for (const auto& [name, secret] : doc.items()) {
      if (!secret.is_string() || secret.get<std::string>().size() < 16)
        return make_error(errc::invalid, "webhook secrets: " + secrets_path + ": the secret of \"" + name +
                                             "\" must be a string of at least 16 characters");
      webhook.secrets[name] = secret.get<std::string>();
    }
    spdlog::info("notify: {} webhook secret(s) from {}", webhook.secrets.size(), secrets_path);
  } else {
    spdlog::info("notify: no webhook secrets file {}; webhook contacts cannot be signed and are not sent",
                 secrets_path);
  }
  if (webhook.allow.empty())
    spdlog::info("notify: notify.webhook.allow is empty; webhook contacts are not sent");
  else
    spdlog::info("notify: webhooks may go to {} host pattern(s) of notify.webhook.allow", webhook.allow.size());
  channels["webhook"] = std::make_shared<notify::webhook_channel>(std::move(webhook));

  auto db = open_sqlite_store(sqlite_options{db_path, synchronous});
  if (!db) return db.err();

  auto options = s.dispatcher;
  if (options.compose.base_url.empty()) options.compose.base_url = listen_url;
  spdlog::info("notify: links point at {}, valid {} day(s)", options.compose.base_url,
               std::chrono::duration_cast<std::chrono::hours>(options.compose.link_ttl).count() / 24);
  return std::make_unique<notify::dispatcher>(std::move(options), std::move(*db), kinds, clock, std::move(*templates),
                                              std::move(links), std::move(channels));
}

}  // namespace dutyflow
