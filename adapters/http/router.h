// Maps a request to its handler: matches the route table (routes.h), authenticates by the
// route's access (the bearer token, a signed calendar link), and answers 401/404/405 (with
// Allow) itself, and 429 to a client that failed too many token checks (auth_limit.h). Thread-safe: handle() is called from the I/O threads; the token
// store is swapped atomically on SIGHUP.
#pragma once

#include "adapters/http/auth.h"
#include "adapters/http/auth_limit.h"
#include "adapters/http/handlers.h"

#include <memory>
#include <mutex>

namespace dutyflow::http {

class router {
 public:
  router(services& ctx, std::shared_ptr<const token_store> tokens, auth_limit_options auth_limit = {});
  void handle(const request& req, respond_fn respond);
  // Before an upload's large body is read: the 401, 403 or 429 its Authorization header
  // earns, or nullopt for a coordinator's token. A failed check counts as in handle().
  std::optional<response> refuse_upload(const std::string& authorization, const std::string& remote);
  void set_tokens(std::shared_ptr<const token_store> tokens);
  auth_limiter::stats auth_stats() const { return limiter_.read(); }

 private:
  std::shared_ptr<const token_store> tokens() const;
  // The caller `authorization` names, checked against the client's failure allowance:
  // a 429 in `refusal` for a client that used it up; nullopt for no or an unknown token.
  std::optional<actor> check_token(const std::string& authorization, const std::string& remote,
                                   std::optional<response>& refusal);

  services& ctx_;
  mutable std::mutex mutex_;
  std::shared_ptr<const token_store> tokens_;
  auth_limiter limiter_;
};

}  // namespace dutyflow::http
