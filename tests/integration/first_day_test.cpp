// A newcomer's first day (issue 14): README's "First steps" run exactly as written against
// a real dutyflowd, and the CLI's answers to the usual first mistakes (a past conference
// date, a step skipped, a list typed with commas).
#include "tests/support/daemon_fixture.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>

using namespace dutyflow::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string plan = "182-kh-ubnd-2023";

// The fenced blocks of README's "First steps" section, each as its lines.
std::vector<std::vector<std::string>> first_steps_blocks() {
  const auto readme = read_file(source_path("README.md"));
  const auto start = readme.find("\n## First steps\n");
  if (start == std::string::npos) return {};
  const auto end = readme.find("\n## ", start + 1);
  std::istringstream section(readme.substr(start, end - start));
  std::vector<std::vector<std::string>> blocks;
  bool inside = false;
  for (std::string line; std::getline(section, line);) {
    if (line.starts_with("```")) {
      inside = !inside;
      if (inside) blocks.emplace_back();
      continue;
    }
    if (inside && !line.empty()) blocks.back().push_back(line);
  }
  return blocks;
}

// Splits a shell line into words the way bash would for these simple lines (spaces,
// double quotes); enough to hand `tools/run`'s arguments to dutyflowd.
std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, any = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (c == ' ' && !quoted) {
      if (any) out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any) out.push_back(cur);
  return out;
}

// A directory laid out like a checkout after the build: config/ and build/tools/ are the
// real ones, var/ is its own; commands run in it as README says, from the checkout.
class checkout {
 public:
  checkout() {
    fs::create_symlink(source_path("config"), dir_.path() / "config");
    fs::create_directories(dir_.path() / "build");
    fs::create_symlink(fs::path(binary("dutyflow")).parent_path(), dir_.path() / "build" / "tools");
  }
  std::string path() const { return dir_.path().string(); }
  std::string file(const std::string& name) const { return dir_.file(name); }

  // Runs one line with bash, as a reader pasting it would, against `server`.
  run_result sh(const std::string& line, const std::string& server) const {
    return run({"/usr/bin/env", "DUTYFLOW_SERVER=" + server, "DUTYFLOW_TOKEN=", "DUTYFLOW_TOKEN_FILE=", "/bin/bash",
                "-c", line},
               path());
  }

 private:
  temp_dir dir_;
};

}  // namespace

TEST(FirstSteps, TheReadmeCommandsRunAsWritten) {
  const auto blocks = first_steps_blocks();
  ASSERT_EQ(blocks.size(), 2u) << "First steps: one block starts the daemon, one drives it";
  checkout co;

  // Block 1: what tools/run is given. tools/run itself builds and execs dutyflowd from the
  // checkout's config; here the same dutyflowd gets the same arguments, on a free port.
  std::vector<std::string> daemon_args;
  for (const auto& line : blocks[0]) {
    if (line.starts_with("tools/run")) {
      auto w = words(line);
      daemon_args.assign(w.begin() + 1, w.end());
      continue;
    }
    auto r = co.sh(line, "http://127.0.0.1:1");
    ASSERT_EQ(r.exit_code, 0) << line << "\n" << r.err;
  }
  ASSERT_FALSE(daemon_args.empty()) << "the first block starts the daemon with tools/run";
  // What tools/run does on a fresh checkout before it starts the daemon.
  auto boot = co.sh("build/tools/dutyflow token bootstrap --tokens var/tokens.json "
                    "--plan config/plans/182-kh-ubnd-2023.json --dir var/tokens",
                    "");
  ASSERT_EQ(boot.exit_code, 0) << boot.err;
  std::vector<std::string> argv = {binary("dutyflowd"), "--config", "config/dutyflowd.json"};
  argv.insert(argv.end(), daemon_args.begin(), daemon_args.end());
  argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
  process daemon(argv, co.file("daemon.log"), co.path());
  ASSERT_TRUE(daemon.wait_for_log("dutyflowd ready")) << daemon.log();
  std::smatch port;
  const auto log = daemon.log();
  ASSERT_TRUE(std::regex_search(log, port, std::regex(R"(listening on (http://127\.0\.0\.1:\d+))"))) << log;
  const std::string server = port[1];

  // Block 2, line by line, verbatim: every command succeeds and says what a reader expects.
  std::map<std::string, run_result> out;
  for (const auto& line : blocks[1]) {
    auto r = co.sh(line, server);
    EXPECT_EQ(r.exit_code, 0) << line << "\nstdout: " << r.out << "\nstderr: " << r.err;
    EXPECT_TRUE(r.err.empty()) << line << "\n" << r.err;
    const auto w = words(line);
    out[w.size() > 3 ? w[3] : line] = r;
  }
  ASSERT_TRUE(out.contains("plans") && out.contains("milestone") && out.contains("ack") && out.contains("clock") &&
              out.contains("duties") && out.contains("show"))
      << "the block walks through plans, milestone, ack, fire, clock, duties and show";
  EXPECT_NE(out["plans"].out.find(plan), std::string::npos) << out["plans"].out;
  EXPECT_NE(out["milestone"].out.find(plan + ": mốc conference = 08:00 ngày 20/6/2023; "), std::string::npos)
      << out["milestone"].out;
  EXPECT_NE(out["milestone"].out.find("tham-luan-xa-ma-li-pho: chưa ấn định → hết ngày 16/6/2023\n"),
            std::string::npos)
      << out["milestone"].out;
  EXPECT_NE(out["ack"].out.find("acknowledge → Đã nhận"), std::string::npos) << out["ack"].out;
  EXPECT_NE(out["fire"].out.find("submit → Đã nộp"), std::string::npos) << out["fire"].out;
  EXPECT_NE(out["clock"].out.find("Đồng hồ dutyflowd: 09:00 ngày 19/6/2023"), std::string::npos) << out["clock"].out;
  // Monday 19/6: the tham luận of the communes that did nothing was due by the end of Friday
  // 16/6; Ma Li Pho delivered on time and is not overdue, whatever the coordinator still owes.
  const auto& overdue = out["duties"].out;
  EXPECT_NE(overdue.find(plan + "/tham-luan-xa-sin-suoi-ho"), std::string::npos) << overdue;
  EXPECT_NE(overdue.find("hết ngày 16/6/2023"), std::string::npos) << overdue;
  EXPECT_EQ(overdue.find("tham-luan-xa-ma-li-pho"), std::string::npos) << overdue;
  EXPECT_NE(out["show"].out.find("Thời hạn"), std::string::npos);
  EXPECT_NE(out["show"].out.find("hết ngày 16/6/2023"), std::string::npos) << out["show"].out;
  EXPECT_NE(out["show"].out.find("Đã nộp"), std::string::npos) << out["show"].out;
  EXPECT_EQ(out["show"].out.find("Quá hạn"), std::string::npos) << out["show"].out;

  EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.log();
}

class FirstDay : public ::testing::Test {
 protected:
  daemon_fixture d{"manual:2023-06-19T09:00:00+07:00"};
  std::string coordinator, ma_li_pho;

  void SetUp() override {
    coordinator = d.add_token("dieu-phoi", "coordinator", "phong-noi-vu");
    ma_li_pho = d.add_token("xa-ma-li-pho", "unit", "xa-ma-li-pho");
    ASSERT_TRUE(d.start()) << d.log();
  }

  run_result cli(const std::string& token, std::vector<std::string> args) {
    std::vector<std::string> argv = {binary("dutyflow"), "--server", d.url(), "--token", token};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
};

TEST_F(FirstDay, APastConferenceDateAsksForYesAndSaysHowManyPointsWouldFire) {
  // What the API says would fire, asked without changing anything.
  auto probe = d.call("PUT", "/api/v1/plans/" + plan + "/milestones/conference", coordinator,
                      R"({"at": "2023-06-13T08:00:00+07:00"})");
  ASSERT_EQ(probe.status, 409) << probe.raw;
  ASSERT_EQ(probe.body["error"]["code"], "confirm_past");
  const auto fires = probe.body["error"]["details"]["fires"];
  ASSERT_TRUE(fires.is_number_integer()) << probe.raw;
  ASSERT_GT(fires.get<int>(), 0);

  auto refused = cli(coordinator, {"milestone", plan, "conference", "13/6/2023 08:00"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(refused.err.starts_with("lỗi: thời điểm 13/6/2023 08:00 đã qua theo đồng hồ của dutyflowd (hiện là 09:00 "
                                      "ngày 19/6/2023); đặt mốc này sẽ phát ngay " +
                                      std::to_string(fires.get<int>()) + " thông báo"))
      << refused.err;
  EXPECT_NE(refused.err.find("[confirm_past]"), std::string::npos);
  EXPECT_NE(refused.err.find("chạy lại với --yes: dutyflow milestone " + plan + " conference \"13/6/2023 08:00\" --yes"),
            std::string::npos)
      << refused.err;
  EXPECT_TRUE(d.call("GET", "/api/v1/plans/" + plan, coordinator).body["milestones"][0]["at"].is_null())
      << "a refusal changes nothing";

  auto confirmed = cli(coordinator, {"milestone", plan, "conference", "13/6/2023 08:00", "--yes"});
  EXPECT_EQ(confirmed.exit_code, 0) << confirmed.err;
  EXPECT_NE(confirmed.out.find("mốc conference = 08:00 ngày 13/6/2023"), std::string::npos) << confirmed.out;
  EXPECT_EQ(d.call("GET", "/api/v1/plans/" + plan, coordinator).body["milestones"][0]["at"],
            "2023-06-13T08:00:00+07:00");
}

TEST_F(FirstDay, ASkippedStepIsOneVietnameseLineWithTheCode) {
  ASSERT_EQ(cli(coordinator, {"milestone", plan, "conference", "2023-06-27T08:00"}).exit_code, 0);
  ASSERT_EQ(cli(ma_li_pho, {"ack", plan + "/tham-luan-xa-ma-li-pho"}).exit_code, 0);
  auto r = cli(ma_li_pho, {"fire", plan + "/tham-luan-xa-ma-li-pho", "submit", "--data", "title=Giải pháp"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.err.starts_with("lỗi: \"submit\" không được phép ở trạng thái hiện tại [conflict]: ")) << r.err;
  EXPECT_NE(r.err.find("được phép lúc này: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("start"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  auto bad_date = cli(coordinator, {"milestone", plan, "conference", "27/13/2023"});
  EXPECT_EQ(bad_date.exit_code, 1);
  EXPECT_NE(bad_date.err.find("[invalid]"), std::string::npos) << bad_date.err;

  auto stranger = cli(ma_li_pho, {"fire", plan + "/tham-luan-xa-sin-suoi-ho", "acknowledge"});
  EXPECT_EQ(stranger.exit_code, 1);
  EXPECT_TRUE(stranger.err.starts_with("lỗi: không có quyền thực hiện việc này [forbidden]")) << stranger.err;
}

TEST_F(FirstDay, DelegatesTypedWithCommasAreAList) {
  ASSERT_EQ(cli(coordinator, {"milestone", plan, "conference", "27/6/2023 08:00"}).exit_code, 0);
  const std::string duty = plan + "/cu-dai-bieu-tham-du.xa-ma-li-pho";
  ASSERT_EQ(cli(ma_li_pho, {"ack", duty}).exit_code, 0);
  auto r = cli(ma_li_pho, {"fire", duty, "name_delegates", "--data", "delegates=Nguyễn Văn A, Lò Thị B"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto got = d.call("GET", "/api/v1/plans/" + plan + "/duties/cu-dai-bieu-tham-du.xa-ma-li-pho", coordinator);
  json data;
  for (const auto& h : got.body["history"])
    if (h["event"] == "name_delegates") data = h["data"];
  EXPECT_EQ(data["delegates"], json::array({"Nguyễn Văn A", "Lò Thị B"})) << got.raw;
}

TEST_F(FirstDay, TheClockCommandMovesAManualClock) {
  auto now = cli(coordinator, {"clock"});
  EXPECT_EQ(now.exit_code, 0) << now.err;
  EXPECT_NE(now.out.find("Đồng hồ dutyflowd: 09:00 ngày 19/6/2023"), std::string::npos) << now.out;
  auto moved = cli(coordinator, {"clock", "--advance", "1d"});
  EXPECT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_NE(moved.out.find("09:00 ngày 20/6/2023"), std::string::npos) << moved.out;
  auto by_unit = cli(ma_li_pho, {"clock", "--advance", "1d"});
  EXPECT_EQ(by_unit.exit_code, 1);
  EXPECT_NE(by_unit.err.find("[forbidden]"), std::string::npos) << by_unit.err;
}
