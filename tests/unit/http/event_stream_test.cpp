// adapters/http/event_stream.cpp: SSE framing and the hub's fan-out, with fake sinks.
#include "adapters/http/event_stream.h"

#include <gtest/gtest.h>

#include <mutex>

using namespace dutyflow;
using namespace dutyflow::http;

namespace {

// Records what it is sent; refuses everything once `capacity` chunks were taken.
class fake_sink final : public stream_sink {
 public:
  explicit fake_sink(std::size_t capacity = 1000) : capacity_(capacity) {}
  bool write(std::string chunk) override {
    std::lock_guard lock(mutex_);
    if (closed_ || chunks.size() >= capacity_) {
      closed_ = true;
      return false;
    }
    chunks.push_back(std::move(chunk));
    return true;
  }
  bool is_open() const override { return !closed_; }
  void close() override { closed_ = true; }
  std::string text() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (auto& c : chunks) out += c;
    return out;
  }
  std::vector<std::string> chunks;

 private:
  std::mutex mutex_;
  std::size_t capacity_;
  bool closed_ = false;
};

event_row ev(std::int64_t id, std::string type, std::string note = "") {
  event_row e;
  e.id = id;
  e.plan = "182-kh-ubnd-2023";
  e.duty = "tham-luan-xa-ma-li-pho";
  e.seq = id;
  e.type = std::move(type);
  e.actor = "ubnd-xa-ma-li-pho";
  e.at = *parse_instant("2023-06-06T08:00:00+07:00");
  e.note = std::move(note);
  return e;
}

}  // namespace

TEST(EventStream, OneEventIsIdTypeAndOneLineOfJson) {
  auto text = sse_message(ev(17, "acknowledge", "dòng 1\ndòng 2"), std::chrono::minutes{420});
  ASSERT_TRUE(text.starts_with("id: 17\nevent: acknowledge\ndata: {"));
  ASSERT_TRUE(text.ends_with("}\n\n"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4) << "a note's newline must not break the framing";
  auto data = nlohmann::json::parse(text.substr(text.find("data: ") + 6));
  EXPECT_EQ(data["id"], 17);
  EXPECT_EQ(data["plan"], "182-kh-ubnd-2023");
  EXPECT_EQ(data["duty"], "tham-luan-xa-ma-li-pho");
  EXPECT_EQ(data["seq"], 17);
  EXPECT_EQ(data["type"], "acknowledge");
  EXPECT_EQ(data["actor"], "ubnd-xa-ma-li-pho");
  EXPECT_EQ(data["at"], "2023-06-06T08:00:00+07:00");
  EXPECT_EQ(data["note"], "dòng 1\ndòng 2");
}

TEST(EventStream, EveryClientGetsEveryEventAndAFullOneIsDropped) {
  event_hub hub;
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>(1);  // takes one chunk, then is "too slow"
  hub.join(a, {});
  hub.join(b, {});
  EXPECT_EQ(hub.clients(), 2u);
  hub.publish({ev(1, "acknowledge"), ev(2, "start")});
  hub.publish({ev(3, "submit")});
  EXPECT_EQ(hub.clients(), 1u);
  EXPECT_EQ(hub.dropped(), 1u);
  EXPECT_EQ(a->chunks.size(), 2u) << "one chunk per commit";
  EXPECT_NE(a->text().find("id: 3\nevent: submit\n"), std::string::npos);
  EXPECT_NE(b->text().find("id: 2\nevent: start\n"), std::string::npos);
}

TEST(EventStream, AReconnectingClientGetsWhatItMissedThenLiveEvents) {
  event_hub hub;
  auto c = std::make_shared<fake_sink>();
  hub.join(c, {ev(5, "acknowledge"), ev(6, "start")});
  hub.publish({ev(7, "submit")});
  auto text = c->text();
  auto p5 = text.find("id: 5\n"), p6 = text.find("id: 6\n"), p7 = text.find("id: 7\n");
  ASSERT_NE(p5, std::string::npos);
  EXPECT_LT(p5, p6);
  EXPECT_LT(p6, p7);
}

TEST(EventStream, TooManyMissedEventsBecomeOneReset) {
  event_hub hub;
  auto c = std::make_shared<fake_sink>();
  hub.join(c, {}, std::int64_t{90210});
  EXPECT_TRUE(c->text().starts_with("id: 90210\nevent: reset\ndata: {")) << c->text();
  EXPECT_EQ(hub.clients(), 1u);
}

TEST(EventStream, HeartbeatsKeepComingAndStopClosesClients) {
  event_hub_options o;
  o.heartbeat = std::chrono::milliseconds(10);
  event_hub hub(o);
  auto c = std::make_shared<fake_sink>();
  hub.join(c, {});
  hub.start();
  // Waits for the hub's real heartbeat thread (real time by design: it is the network's clock).
  for (int i = 0; i < 500 && c->text().find(": heartbeat\n\n") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  hub.stop();
  EXPECT_NE(c->text().find(": heartbeat\n\n"), std::string::npos);
  EXPECT_FALSE(c->is_open());
  EXPECT_EQ(hub.clients(), 0u);
  EXPECT_TRUE(hub.preamble().starts_with("retry: 1000\n"));
}
