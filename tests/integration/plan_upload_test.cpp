// Plans from documents into a running dutyflowd (issue 15, item 6): POST /api/v1/imports
// (multipart/form-data as browsers and curl send it, or the raw document), the dry run
// of POST /api/v1/plans that the review table validates with, and `dutyflow plan upload`
// for .json, .txt and a real .docx written by python3-docx. Real daemon, real HTTP on
// loopback, real CLI.
#include "tests/support/daemon_fixture.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace dutyflow::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string tam_duong = "tests/fixtures/import/215_kh_ubnd_tam_duong.txt";
const std::string tam_duong_plan = "215-kh-ubnd-2023";
const std::string seed_plan = "182-kh-ubnd-2023";

std::string multipart(const std::string& boundary, const std::string& field, const std::string& filename,
                      const std::string& content) {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + filename +
         "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n";
}

// A Word document of the plan text, written by python3-docx as Word would save it.
std::string write_docx(const temp_dir& dir, const std::string& text_file, const std::string& name) {
  const auto out = dir.file(name);
  const std::string script =
      "import sys, docx\n"
      "d = docx.Document()\n"
      "for line in open(sys.argv[1], encoding='utf-8').read().splitlines():\n"
      "    p = d.add_paragraph(); r = p.add_run(line); r.bold = line.isupper() and bool(line.strip())\n"
      "d.save(sys.argv[2])\n";
  auto r = run({"/usr/bin/python3", "-c", script, source_path(text_file), out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return out;
}

class PlanUpload : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(plans_);
    coordinator_ = daemon_.add_token("phong-noi-vu", "coordinator", "phong-noi-vu");
    unit_ = daemon_.add_token("xa-ma-li-pho", "unit", "xa-ma-li-pho");
    ASSERT_TRUE(daemon_.start()) << daemon_.log();
  }

  // `dutyflow ARGS...` run from the checkout with `input` on stdin, against the daemon.
  run_result cli(const std::vector<std::string>& args, const std::string& input = "", std::string token = "") {
    const auto in = files_.file("stdin.txt");
    write_file(in, input);
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "DUTYFLOW_SERVER=" + daemon_.url(),
                                     "DUTYFLOW_TOKEN=" + (token.empty() ? coordinator_ : token),
                                     "DUTYFLOW_TOKEN_FILE=",
                                     "/bin/bash",
                                     "-c",
                                     "exec \"$@\" < \"$0\"",
                                     in,
                                     binary("dutyflow")};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, source_path(""));
  }

  std::vector<std::string> plan_ids() {
    std::vector<std::string> ids;
    auto r = daemon_.call("GET", "/api/v1/plans", coordinator_);
    EXPECT_EQ(r.status, 200) << r.raw;
    for (const auto& p : r.body["plans"]) ids.push_back(p["id"]);
    return ids;
  }
  bool loaded(const std::string& id) {
    auto ids = plan_ids();
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }
  reply upload(const std::string& content, const std::string& token, const std::string& field = "file") {
    return daemon_.call("POST", "/api/v1/imports", token, multipart("dutyflow-test-boundary", field, "plan.txt", content),
                        {{"Content-Type", "multipart/form-data; boundary=dutyflow-test-boundary"}});
  }

  temp_dir files_;
  std::string plans_ = files_.file("plans");  // empty: the daemon starts with no plan
  daemon_fixture daemon_{"manual:2023-06-01T08:00:00+07:00", plans_};
  std::string coordinator_, unit_;
};

TEST_F(PlanUpload, ImportsAnswerTheDraftItsCoverageAndWhatToCheck) {
  const auto text = read_file(source_path(tam_duong));
  auto r = upload(text, coordinator_);
  ASSERT_EQ(r.status, 200) << r.raw;
  const auto& body = r.body;
  EXPECT_EQ(body["draft"]["id"], tam_duong_plan);
  EXPECT_EQ(body["draft"]["number"], "215/KH-UBND");
  EXPECT_TRUE(body["valid"].get<bool>());
  EXPECT_TRUE(body["errors"].empty());
  EXPECT_EQ(body["summary"]["format"], "txt");
  EXPECT_EQ(body["summary"]["file"], "plan.txt");
  EXPECT_EQ(body["summary"]["duties"], 12);
  // The draft is what `dutyflow import-plan` makes of the same document.
  auto local = run({binary("dutyflow"), "import-plan", source_path(tam_duong)}, source_path(""));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  EXPECT_EQ(body["draft"], json::parse(local.out));
  // Every line of the assignment section is covered: a duty, or why not.
  bool closing = false;
  for (const auto& c : body["coverage"]) {
    EXPECT_TRUE(!c["duties"].empty() || !c.value("reason", "").empty()) << c.dump();
    closing = closing || (c["text"].get<std::string>().starts_with("Trên đây là") && c["reason"] == "câu kết của văn bản");
  }
  EXPECT_TRUE(closing) << body["coverage"].dump(1);
  EXPECT_FALSE(body["warnings"].empty());
  // The draft keeps the plan file's key order, as import-plan writes it.
  EXPECT_TRUE(r.raw.starts_with("{\"draft\":{\"id\":\"215-kh-ubnd-2023\",\"number\":")) << r.raw.substr(0, 80);
  // Nothing is loaded or journaled by an import.
  EXPECT_TRUE(plan_ids().empty());

  // The file's name is shown without its folders and without control or bidi characters.
  auto named = daemon_.call("POST", "/api/v1/imports", coordinator_,
                            multipart("dutyflow-test-boundary", "file", "C:\\Tài liệu\\Kế hoạch\u202e215.txt", text),
                            {{"Content-Type", "multipart/form-data; boundary=dutyflow-test-boundary"}});
  ASSERT_EQ(named.status, 200) << named.raw;
  EXPECT_EQ(named.body["summary"]["file"], "Kế hoạch215.txt");
  // The raw document with a document Content-Type is read the same way.
  auto raw = daemon_.call("POST", "/api/v1/imports", coordinator_, text, {{"Content-Type", "text/plain; charset=utf-8"}});
  ASSERT_EQ(raw.status, 200) << raw.raw;
  EXPECT_EQ(raw.body["draft"], body["draft"]);
}

TEST_F(PlanUpload, ImportRefusalsAreClearAndChangeNothing) {
  const auto text = read_file(source_path(tam_duong));
  auto code = [](const reply& r) { return r.body.is_object() ? r.body["error"].value("code", "") : std::string(); };
  auto r = upload(text, unit_);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(code(r), "forbidden");
  EXPECT_EQ(upload(text, "").status, 401);
  r = upload(text, coordinator_, "document");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.raw.find("field \\\"file\\\""), std::string::npos) << r.raw;
  r = upload("", coordinator_);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.raw.find("empty"), std::string::npos) << r.raw;
  r = upload("Báo cáo tháng 6.\nKhông có tiêu đề kế hoạch.\n", coordinator_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(code(r), "invalid");
  r = upload(std::string("%PDF-1.7\n\0\0binary", 18), coordinator_);
  EXPECT_EQ(r.status, 400);
  r = daemon_.call("POST", "/api/v1/imports", coordinator_, text, {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 415);
  r = daemon_.call("POST", "/api/v1/imports", coordinator_, "--x\r\nno end", {{"Content-Type", "multipart/form-data; boundary=x"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(daemon_.call("GET", "/api/v1/imports", coordinator_).status, 405);
  // A body over the 1 MiB of other routes is read only for a coordinator: anyone else is
  // refused from the request head, before the body is buffered.
  const std::string big(2 * 1024 * 1024, 'x');
  r = upload(big, unit_);
  EXPECT_EQ(r.status, 403) << r.raw;
  r = upload(big, "");
  EXPECT_EQ(r.status, 401) << r.raw;
  r = upload(big, coordinator_);
  EXPECT_EQ(r.status, 400) << r.raw;  // read, and judged: not a Kế hoạch
  EXPECT_EQ(code(r), "invalid");
  r = daemon_.call("POST", "/api/v1/plans", coordinator_, big);
  EXPECT_EQ(r.status, 413);
  r = upload(std::string(17 * 1024 * 1024, 'x'), coordinator_);
  EXPECT_EQ(r.status, 413) << r.raw;
  EXPECT_TRUE(plan_ids().empty());
  EXPECT_EQ(daemon_.call("GET", "/healthz").status, 200);
}

TEST_F(PlanUpload, DryRunChecksEverythingAndLoadsNothing) {
  const auto seed = read_file(source_path("config/plans/" + seed_plan + ".json"));
  auto r = daemon_.call("POST", "/api/v1/plans?dry_run=true", coordinator_, seed);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_TRUE(r.body["valid"].get<bool>());
  EXPECT_FALSE(r.body["loaded"].get<bool>());
  EXPECT_EQ(r.body["duties"], 15);
  EXPECT_TRUE(plan_ids().empty()) << "a dry run loaded the plan";

  auto bad = json::parse(seed);
  bad["duties"][2]["owner"] = "xa-khong-co";
  bad["duties"][4]["title"] = "";
  r = daemon_.call("POST", "/api/v1/plans?dry_run=true", coordinator_, bad.dump());
  ASSERT_EQ(r.status, 400) << r.raw;
  const auto& errors = r.body["error"]["details"]["errors"];
  ASSERT_EQ(errors.size(), 2u) << r.raw;
  EXPECT_EQ(errors[0]["path"], "duties[2].owner");
  EXPECT_EQ(errors[1]["path"], "duties[4].title");
  EXPECT_EQ(daemon_.call("POST", "/api/v1/plans?dry_run=maybe", coordinator_, seed).status, 400);
  EXPECT_EQ(daemon_.call("POST", "/api/v1/plans?dry_run=true", unit_, seed).status, 403);

  ASSERT_EQ(daemon_.call("POST", "/api/v1/plans", coordinator_, seed).status, 201);
  r = daemon_.call("POST", "/api/v1/plans?dry_run=true", coordinator_, seed);
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.body["loaded"].get<bool>());
  auto other = json::parse(seed);
  other["title"] = "Nội dung khác";
  r = daemon_.call("POST", "/api/v1/plans?dry_run=true", coordinator_, other.dump());
  EXPECT_EQ(r.status, 409) << r.raw;
}

TEST_F(PlanUpload, JsonFileIsCheckedShownAskedAndPublished) {
  const auto file = source_path("config/plans/" + seed_plan + ".json");
  // No answer to the question (stdin at its end): nothing is posted.
  auto r = cli({"plan", "upload", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cần xác nhận; thêm --yes"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("182/KH-UBND"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("15 nhiệm vụ"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Xã Ma Li Pho"), std::string::npos) << r.out;
  EXPECT_FALSE(loaded(seed_plan));
  // "k" (không): nothing is posted.
  r = cli({"plan", "upload", file}, "k\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Chưa đăng"), std::string::npos) << r.err;
  EXPECT_FALSE(loaded(seed_plan));
  // "c" (có): posted.
  r = cli({"plan", "upload", file}, "c\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Đăng kế hoạch này lên dutyflowd? [c/K]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Đã đăng kế hoạch 182/KH-UBND (" + seed_plan + "): 15 nhiệm vụ"), std::string::npos) << r.out;
  EXPECT_TRUE(loaded(seed_plan));
  // Again: already there, nothing changes.
  r = cli({"plan", "upload", file, "--yes", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto out = json::parse(r.out);
  EXPECT_FALSE(out["published"].get<bool>());
  EXPECT_TRUE(out["already_loaded"].get<bool>());

  // Other content under the same id, and a file with errors: one clear line each, exit 1.
  auto other = json::parse(read_file(file));
  other["title"] = "Kế hoạch khác";
  write_file(files_.file("other.json"), other.dump());
  r = cli({"plan", "upload", files_.file("other.json"), "--yes"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("[conflict]"), std::string::npos) << r.err;
  other["id"] = "ke-hoach-loi";
  other["duties"][0]["owner"] = "xa-khong-co";
  write_file(files_.file("bad.json"), other.dump());
  r = cli({"plan", "upload", files_.file("bad.json"), "--yes"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("duties[0].owner: unknown unit \"xa-khong-co\""), std::string::npos) << r.err;
  EXPECT_FALSE(loaded("ke-hoach-loi"));
  r = cli({"plan", "upload", files_.file("missing.json"), "--yes"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("không đọc được tệp"), std::string::npos) << r.err;
  // A unit cannot publish.
  r = cli({"plan", "upload", files_.file("other.json"), "--yes"}, "", unit_);
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(PlanUpload, DocxIsImportedByTheDaemonShownAndPublished) {
  const auto docx = write_docx(files_, tam_duong, "Kế hoạch 215.docx");
  auto r = cli({"plan", "upload", docx, "--yes", "--out", files_.file("draft.json")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("215/KH-UBND — Tổ chức Lễ kỷ niệm 41 năm Ngày Nhà giáo Việt Nam"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("12 nhiệm vụ"), std::string::npos) << r.out;
  // The coverage: each line of the assignment section with its duty, or why none.
  EXPECT_NE(r.out.find("Chỉ đạo Trang thông tin điện tử huyện đăng tải tin, bài về Lễ kỷ niệm.  → dang-tai-tin"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("(không theo dõi: câu kết của văn bản)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Đã đăng kế hoạch 215/KH-UBND (" + tam_duong_plan + "): 12 nhiệm vụ"), std::string::npos) << r.out;
  ASSERT_TRUE(loaded(tam_duong_plan));

  // What was published is what the importer makes of the document, duty by duty.
  auto local = run({binary("dutyflow"), "import-plan", docx}, source_path(""));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  const auto expected = json::parse(local.out);
  // --out writes the draft exactly as import-plan writes the plan (key order included).
  EXPECT_EQ(read_file(files_.file("draft.json")), local.out);
  auto duties = daemon_.call("GET", "/api/v1/duties?plan=" + tam_duong_plan, coordinator_).body["duties"];
  EXPECT_EQ(duties.size(), 12u);
  std::map<std::string, std::string> owner;
  for (const auto& d : duties) owner[d["id"]] = d["owner"];
  for (const auto& d : expected["duties"])
    if (d["owner"].is_string()) {
      EXPECT_EQ(owner[d["id"]], d["owner"]) << d["id"];
    }

  // --json for scripts.
  r = cli({"plan", "upload", docx, "--yes", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(json::parse(r.out)["already_loaded"].get<bool>()) << r.out;
}

TEST_F(PlanUpload, ADocumentWithNothingToAssignIsRefusedAndNothingPublished) {
  // Cut before its assignment section, a plan assigns nothing: the importer refuses it
  // rather than inventing duties, and the CLI says so in one line.
  auto text = read_file(source_path(tam_duong));
  write_file(files_.file("cut.txt"), text.substr(0, text.find("V. TỔ CHỨC THỰC HIỆN")));
  auto r = cli({"plan", "upload", files_.file("cut.txt"), "--yes"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("lỗi: "), std::string::npos) << r.err;
  EXPECT_TRUE(plan_ids().empty());
}

}  // namespace

// The review table runs a dry run on every edit: checking loads and journals nothing, so it
// uses up none of the coordinator's event allowance (issue 16, finding 4), which counts
// the plans it loads.
TEST(PlanUploadAllowance, DryRunsUseNoAllowanceAndLoadsDo) {
  temp_dir files;
  std::filesystem::create_directories(files.file("plans"));
  auto config = json::parse(read_file(source_path("config/dutyflowd.json")));
  // Two loads, and the next one not for 1,000 minutes.
  config["http"]["event_rate"] = {{"coordinator", {{"burst", 2}, {"per_minute", 0.001}}}};
  write_file(files.file("dutyflowd.json"), config.dump(2));
  daemon_fixture daemon("manual:2023-06-01T08:00:00+07:00", files.file("plans"));
  daemon.config = files.file("dutyflowd.json");
  const auto coordinator = daemon.add_token("phong-noi-vu", "coordinator", "phong-noi-vu");
  ASSERT_TRUE(daemon.start()) << daemon.log();
  const auto seed = read_file(source_path("config/plans/" + seed_plan + ".json"));
  for (int i = 0; i < 10; ++i) {
    auto r = daemon.call("POST", "/api/v1/plans?dry_run=true", coordinator, seed);
    ASSERT_EQ(r.status, 200) << "dry run " << i << ": " << r.raw;
  }
  EXPECT_EQ(daemon.call("POST", "/api/v1/plans", coordinator, seed).status, 201);
  EXPECT_EQ(daemon.call("POST", "/api/v1/plans", coordinator, seed).status, 200);
  EXPECT_EQ(daemon.call("POST", "/api/v1/plans", coordinator, seed).status, 429) << "loads count";
}
