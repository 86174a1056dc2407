#include "adapters/http/ack_link.h"

#include <spdlog/spdlog.h>

#include "adapters/security/codec.h"
#include "adapters/security/link_token.h"

namespace dutyflow::http {

using nlohmann::json;

namespace {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// A complete page. `inner` is HTML already escaped by the caller.
response page(int status, const std::string& title, const std::string& inner) {
  response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body =
      "<!doctype html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"robots\" content=\"noindex\">\n<title>" +
      escape_html(title) +
      "</title>\n<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em;"
      "line-height:1.5;color:#222}h1{font-size:1.4em}.box{border:1px solid #ccc;border-radius:6px;padding:1em}"
      "button{font-size:1.1em;padding:.5em 1.2em;background:#0b5394;color:#fff;border:0;border-radius:4px;"
      "cursor:pointer}.muted{color:#666;font-size:.9em}</style>\n</head>\n<body>\n<h1>" +
      escape_html(title) + "</h1>\n" + inner + "\n</body>\n</html>\n";
  // The token is in the URL: keep it out of caches, referrers and search engines.
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Robots-Tag", "noindex");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
  return r;
}

response refused(int status, const std::string& title, const std::string& text) {
  return page(status, title,
              "<p>" + escape_html(text) +
                  "</p>\n<p class=\"muted\">Đơn vị vẫn có thể xác nhận nhiệm vụ trên trang theo dõi nhiệm vụ hoặc liên "
                  "hệ cơ quan chủ trì kế hoạch.</p>");
}

response link_refusal(security::link_check::outcome outcome) {
  if (outcome == security::link_check::outcome::expired)
    return refused(410, "Liên kết đã hết hạn",
                   "Liên kết xác nhận này đã hết thời hạn sử dụng nên không còn dùng được.");
  return refused(403, "Liên kết không hợp lệ",
                 "Liên kết xác nhận này không đúng hoặc đã bị sửa đổi, nên hệ thống không thực hiện.");
}

// What the page says about the duty: the plan, the duty, the unit.
struct duty_facts {
  std::string plan_number, plan_title, duty_title, unit_name, owner, progress, progress_label, deadline;
  bool acknowledged_before = false;  // the history holds an acknowledge
};

duty_facts facts_of(const json& plan, const json& duty, const std::string& unit) {
  duty_facts f;
  f.plan_number = plan.value("number", "");
  f.plan_title = plan.value("title", "");
  f.duty_title = duty.value("title", "");
  f.owner = duty.value("owner", "");
  f.unit_name = unit;
  for (const auto& u : plan.value("units", json::array()))
    if (u.value("id", "") == unit) f.unit_name = u.value("name", unit);
  f.progress = duty["state"].value("progress", "");
  f.progress_label = duty["state"].value("progress_label", f.progress);
  f.deadline = duty["deadline"].is_string() ? duty["deadline"].get<std::string>() : "";
  for (const auto& h : duty.value("history", json::array()))
    if (h.value("event", "") == "acknowledge") f.acknowledged_before = true;
  return f;
}

std::string describe(const duty_facts& f) {
  std::string out = "<div class=\"box\">\n<p><strong>Kế hoạch số " + escape_html(f.plan_number) + "</strong><br>" +
                    escape_html(f.plan_title) + "</p>\n<p><strong>Nhiệm vụ:</strong> " + escape_html(f.duty_title) +
                    "</p>\n<p><strong>Đơn vị thực hiện:</strong> " + escape_html(f.unit_name) + "</p>\n";
  if (!f.progress_label.empty()) out += "<p><strong>Trạng thái:</strong> " + escape_html(f.progress_label) + "</p>\n";
  return out + "</div>";
}

response already_done(const duty_facts& f) {
  return page(200, "Nhiệm vụ đã được xác nhận",
              "<p>Nhiệm vụ này đã được xác nhận trước đó; không cần thực hiện lại.</p>\n" + describe(f));
}

// Reads the plan and the duty on the engine thread; `then` gets their facts, or the
// refusal page when either is gone.
template <class Then>
void with_facts(engine& e, const security::link_claims& c, const respond_fn& respond, Then then) {
  auto plan = e.plan_json(c.plan);
  auto duty = plan ? e.duty_json(c.plan, c.duty, nullptr, true) : result<json>(plan.err());
  if (!plan || !duty) {
    respond(refused(404, "Không tìm thấy nhiệm vụ", "Nhiệm vụ mà liên kết này nói đến không còn trong hệ thống."));
    return;
  }
  then(facts_of(*plan, *duty, c.unit));
}

}  // namespace

void get_ack_link(services& ctx, const std::string& token, const respond_fn& respond) {
  const auto& signer = ctx.acks;
  ctx.runner.post([token, respond, &signer](engine& e) {
    auto check = signer.verify(token, e.clock().now());
    if (check.result != security::link_check::outcome::ok) return respond(link_refusal(check.result));
    const auto& c = check.claims;
    with_facts(e, c, respond, [&](const duty_facts& f) {
      if (f.owner != c.unit) {
        respond(page(409, "Nhiệm vụ đã chuyển cho đơn vị khác",
                     "<p>Nhiệm vụ này hiện không còn do đơn vị nhận liên kết thực hiện, nên không xác nhận qua liên "
                     "kết này được.</p>\n" +
                         describe(f)));
        return;
      }
      if (f.progress != "Assigned") {
        if (f.acknowledged_before) return respond(already_done(f));
        respond(page(409, "Không thể xác nhận lúc này",
                     "<p>Nhiệm vụ đang ở trạng thái không thể xác nhận đã nhận.</p>\n" + describe(f)));
        return;
      }
      // Only the POST acts, so a mail scanner that opens the link changes nothing.
      respond(page(200, "Xác nhận đã nhận nhiệm vụ",
                   describe(f) +
                       "\n<p>Bấm nút dưới đây để xác nhận đơn vị đã nhận nhiệm vụ.</p>\n"
                       // No action: the form posts back to this very URL, behind a proxy too.
                       "<form method=\"post\">\n<button type=\"submit\">Xác nhận đã nhận nhiệm vụ</button>\n</form>"));
    });
  });
}

void post_ack_link(services& ctx, const std::string& token, const respond_fn& respond) {
  const auto& signer = ctx.acks;
  auto& runner = ctx.runner;
  runner.post([token, respond, &signer, &runner](engine& e) {
    auto check = signer.verify(token, e.clock().now());
    if (check.result != security::link_check::outcome::ok) {
      spdlog::warn("http: one-click link refused ({})",
                   check.result == security::link_check::outcome::expired ? "expired" : "invalid signature");
      return respond(link_refusal(check.result));
    }
    const auto c = check.claims;
    command cmd;
    cmd.plan = c.plan;
    cmd.duty = c.duty;
    cmd.event = c.event;
    cmd.by = actor{c.unit + " (liên kết)", role::unit, c.unit};
    // The same link posted twice gets the first answer back instead of a second event.
    cmd.idempotency_key = "link:" + security::hex_encode(security::sha256(token)).substr(0, 32);
    runner.submit(std::move(cmd), [c, respond, &runner](result<applied> r) {
      if (r && r->replayed) {
        runner.post([c, respond](engine& e2) {
          with_facts(e2, c, respond, [&](const duty_facts& f) { respond(already_done(f)); });
        });
        return;
      }
      if (r) {
        spdlog::info("http: {}/{} {} by {} through a one-click link", c.plan, c.duty, c.event, c.unit);
        runner.post([c, respond](engine& e2) {
          with_facts(e2, c, respond, [&](const duty_facts& f) {
            respond(page(200, "Đã xác nhận nhận nhiệm vụ",
                         "<p>Cảm ơn. Hệ thống đã ghi nhận đơn vị đã nhận nhiệm vụ.</p>\n" + describe(f)));
          });
        });
        return;
      }
      const auto code = r.err().code;
      if (code == errc::storage) {
        respond(
            refused(503, "Chưa ghi nhận được", "Hệ thống tạm thời chưa ghi nhận được; vui lòng thử lại sau ít phút."));
        return;
      }
      runner.post([c, respond, code](engine& e2) {
        with_facts(e2, c, respond, [&](const duty_facts& f) {
          if (f.owner != c.unit) {
            respond(page(409, "Nhiệm vụ đã chuyển cho đơn vị khác",
                         "<p>Nhiệm vụ này hiện không còn do đơn vị nhận liên kết thực hiện.</p>\n" + describe(f)));
          } else if (f.acknowledged_before) {
            respond(already_done(f));
          } else {
            respond(page(http_status(code), "Không thể xác nhận lúc này",
                         "<p>Nhiệm vụ đang ở trạng thái không thể xác nhận đã nhận.</p>\n" + describe(f)));
          }
        });
      });
    });
  });
}

}  // namespace dutyflow::http
