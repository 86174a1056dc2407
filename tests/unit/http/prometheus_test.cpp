// adapters/http/prometheus.cpp, engine/metrics.cpp and the /metrics body of metrics.cpp.
#include "adapters/http/prometheus.h"
#include "adapters/http/metrics.h"
#include "engine/metrics.h"

#include <gtest/gtest.h>

#include <thread>

using namespace dutyflow;
using namespace dutyflow::http;
using nlohmann::json;

TEST(Prometheus, ValuesAndLabelsAreWrittenAsTheFormatWants) {
  EXPECT_EQ(prometheus_value(3), "3");
  EXPECT_EQ(prometheus_value(0.0001), "0.0001");
  EXPECT_EQ(prometheus_value(2.5), "2.5");
  EXPECT_EQ(prometheus_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(prometheus_escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(prometheus_escape_label("Đã giao"), "Đã giao");
}

TEST(Prometheus, HistogramIsCumulativeWithInfSumAndCount) {
  const double bounds[] = {0.01, 0.1, 1};
  histogram h(bounds);
  for (double v : {0.005, 0.05, 0.05, 0.5, 7.0}) h.observe(v);
  metrics_text m;
  m.histogram("x_seconds", "Help.", h.read());
  EXPECT_EQ(m.text(),
            "# HELP x_seconds Help.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{le=\"0.01\"} 1\n"
            "x_seconds_bucket{le=\"0.1\"} 3\n"
            "x_seconds_bucket{le=\"1\"} 4\n"
            "x_seconds_bucket{le=\"+Inf\"} 5\n"
            "x_seconds_sum 7.605\n"
            "x_seconds_count 5\n");
}

TEST(Metrics, HistogramCountsFromManyThreads) {
  const double bounds[] = {1, 2};
  histogram h(bounds);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) h.observe(i % 3);
    });
  for (auto& t : threads) t.join();
  auto s = h.read();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_EQ(s.cumulative.back(), 40000u);
  EXPECT_DOUBLE_EQ(s.sum, 4 * (3333 * 1 + 3333 * 2));
  gauge g;
  g.set(-1.5);
  EXPECT_EQ(g.get(), -1.5);
}

TEST(Metrics, BodyHasEveryFamilyOnce) {
  metrics_snapshot s;
  s.duties = {
      json{{"plan", "p"}, {"state", {{"progress", "Assigned"}, {"timeliness", "OnTrack"}}}, {"status", "pending"}},
      json{{"plan", "p"}, {"state", {{"progress", "Done"}, {"timeliness", "OnTrack"}}}, {"status", "done_late"}}};
  s.events = 42;
  s.notifications = {{"pending", 3}, {"delivered", 9}};
  s.scheduler_lag_seconds = 0.25;
  s.reminder_progress_waiting = 7;
  const auto text = metrics_body(s);
  for (const char* family :
       {"dutyflow_duties", "dutyflow_duties_by_timeliness", "dutyflow_duties_by_status", "dutyflow_events_total",
        "dutyflow_notifications", "dutyflow_commit_duration_seconds", "dutyflow_commit_batch_size",
        "dutyflow_scheduler_lag_seconds", "dutyflow_reminder_progress_waiting", "dutyflow_stream_clients"}) {
    const std::string type_line = std::string("# TYPE ") + family + " ";
    auto first = text.find(type_line);
    EXPECT_NE(first, std::string::npos) << family;
    EXPECT_EQ(text.find(type_line, first + 1), std::string::npos) << family << " declared twice";
  }
  EXPECT_NE(text.find("dutyflow_duties{plan=\"p\",progress=\"Assigned\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("dutyflow_duties_by_status{plan=\"p\",status=\"done_late\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("dutyflow_events_total 42\n"), std::string::npos);
  EXPECT_NE(text.find("dutyflow_notifications{status=\"delivered\"} 9\n"), std::string::npos);
  EXPECT_NE(text.find("dutyflow_scheduler_lag_seconds 0.25\n"), std::string::npos);
  EXPECT_NE(text.find("dutyflow_reminder_progress_waiting 7\n"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}
