// Issue 16, the daemon's side of hostile input: what it writes to disk and who may read
// /metrics. A real dutyflowd on loopback with a temp directory, as in abuse_test.cpp.
#include "tests/support/daemon_fixture.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace dutyflow::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

json shipped_config() { return json::parse(read_file(source_path("config/dutyflowd.json"))); }

// The permission bits of `path`, or -1 if it does not exist.
int mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

// The umask of the test process, set for one test (dutyflowd inherits it).
struct scoped_umask {
  mode_t old;
  explicit scoped_umask(mode_t m) : old(::umask(m)) {}
  ~scoped_umask() { ::umask(old); }
};

}  // namespace

// Finding 9: the database and notifications/ were created 0644 / 0755, readable by every
// local user, under the usual umask 022.
TEST(HostileOutput, HostileInputFilesTheDaemonCreatesAreTheOwnersAlone) {
  scoped_umask loose(022);
  temp_dir plans;
  auto plan = json::parse(read_file(source_path("config/plans/182-kh-ubnd-2023.json")));
  for (auto& u : plan["units"])
    if (u["id"] == "xa-ma-li-pho") u["contacts"] = json::array({{{"channel", "file"}, {"to", "xa/ma-li-pho.jsonl"}}});
  write_file(plans.file("182-kh-ubnd-2023.json"), plan.dump(2));
  daemon_fixture d{"manual:2023-06-05T08:00:00+07:00", plans.path().string()};
  auto config = shipped_config();
  config["notify"]["poll_interval"] = "50ms";
  config["notify"]["templates"] = source_path("config/templates/vi");
  config["notify"]["file"]["dir"] = d.dir().file("out/notifications");
  d.config = d.dir().file("dutyflowd.json");
  write_file(d.config, config.dump(2));
  d.add_token("phong-noi-vu", "coordinator", "phong-noi-vu");
  ASSERT_TRUE(d.start()) << d.log();
  const auto written = d.dir().file("out/notifications/xa/ma-li-pho.jsonl");
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (mode_of(written) < 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
  ASSERT_NE(mode_of(written), -1) << "the assignment was not written\n" << d.log();
  for (const auto& file : {d.db(), d.db() + "-wal", d.db() + "-shm", d.dir().file("link.key"),
                           d.dir().file("calendar.key"), written})
    EXPECT_EQ(mode_of(file), 0600) << file;
  for (const auto& dir : {d.dir().file("out"), d.dir().file("out/notifications"),
                          d.dir().file("out/notifications/xa")})
    EXPECT_EQ(mode_of(dir), 0700) << dir;
}

// Finding 9: /metrics trusted every loopback peer; behind a reverse proxy on the same
// machine that is every client.
TEST(HostileOutput, HostileInputMetricsNeedACoordinatorTokenUnlessTheConfigAllowsLoopback) {
  daemon_fixture d{"manual:2023-06-05T08:00:00+07:00"};
  auto config = shipped_config();
  config["notify"]["enabled"] = false;
  d.config = d.dir().file("dutyflowd.json");
  write_file(d.config, config.dump(2));
  const auto coordinator = d.add_token("phong-noi-vu", "coordinator", "phong-noi-vu");
  const auto viewer = d.add_token("lanh-dao", "viewer");
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(d.call("GET", "/metrics").status, 401);
  EXPECT_EQ(d.call("GET", "/metrics", viewer).status, 403);
  auto r = d.call("GET", "/metrics", coordinator);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.raw.find("dutyflow_events_total"), std::string::npos) << r.raw;
  ASSERT_EQ(d.stop(), 0);

  config["metrics"] = {{"allow_loopback", true}};
  write_file(d.config, config.dump(2));
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(d.call("GET", "/metrics").status, 200);
}
