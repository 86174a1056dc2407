// adapters/http/event_stream.cpp: SSE framing and the hub's fan-out, with fake sinks.
#include "adapters/http/event_stream.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

using namespace dutyflow;
using namespace dutyflow::http;

namespace {

// Records what it is sent; a full queue once `capacity` chunks wait (restart() empties
// it), and gone once close() was called.
class fake_sink final : public stream_sink {
 public:
  explicit fake_sink(std::size_t capacity = 1000) : capacity_(capacity) {}
  offer write(std::string chunk) override {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return offer::closed;
      if (waiting_ >= capacity_) return offer::full;
      ++waiting_;
      chunks.push_back(std::move(chunk));
    }
    written_.notify_all();
    return offer::queued;
  }
  // Waits until what was written holds `text` (or `limit` passed); woken by each write.
  bool wait_for_text(const std::string& text, std::chrono::seconds limit) {
    std::unique_lock lock(mutex_);
    return written_.wait_for(lock, limit, [&] {
      std::string all;
      for (auto& c : chunks) all += c;
      return all.find(text) != std::string::npos;
    });
  }
  bool restart(std::string chunk) override {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    // What was waiting is thrown away; what was taken already stays in `chunks`.
    chunks.resize(chunks.size() - waiting_);
    chunks.push_back(std::move(chunk));
    waiting_ = 1;
    ++restarts;
    return true;
  }
  std::size_t queued() const override { return 0; }
  void when_queued_at_most(std::size_t, std::function<void()> fn) override { fn(); }
  bool is_open() const override { return !closed_; }
  void close() override { closed_ = true; }
  // The client reads everything that waits.
  void drain() {
    std::lock_guard lock(mutex_);
    waiting_ = 0;
  }
  std::string text() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (auto& c : chunks) out += c;
    return out;
  }
  std::vector<std::string> chunks;
  int restarts = 0;

 private:
  std::mutex mutex_;
  std::condition_variable written_;
  std::size_t capacity_;
  std::size_t waiting_ = 0;
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

TEST(EventStream, EveryClientGetsEveryEventAndAGoneOneIsDropped) {
  event_hub hub;
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  hub.join(a);
  hub.join(b);
  EXPECT_EQ(hub.clients(), 2u);
  hub.publish({ev(1, "acknowledge"), ev(2, "start")});
  b->close();
  hub.publish({ev(3, "submit")});
  EXPECT_EQ(hub.clients(), 1u);
  EXPECT_EQ(hub.dropped(), 1u);
  EXPECT_EQ(a->chunks.size(), 2u) << "one chunk per commit";
  EXPECT_NE(a->text().find("id: 3\nevent: submit\n"), std::string::npos);
  EXPECT_NE(b->text().find("id: 2\nevent: start\n"), std::string::npos);
}

// Issue 16, finding 3: a client whose queue overflowed was dropped, came back with its
// old Last-Event-ID and overflowed again, for ever. It gets a reset in place of what it
// had queued, at the last id published, and stays.
TEST(EventStream, AClientAQueueBehindGetsAResetAndStays) {
  event_hub hub;
  auto slow = std::make_shared<fake_sink>(2);
  hub.join(slow);
  hub.publish({ev(1, "acknowledge")});
  hub.publish({ev(2, "start")});
  hub.publish({ev(3, "comment"), ev(4, "comment")});  // no room: a reset at 4 instead
  EXPECT_EQ(slow->restarts, 1);
  EXPECT_EQ(hub.resets(), 1u);
  EXPECT_EQ(hub.dropped(), 0u);
  EXPECT_EQ(hub.clients(), 1u);
  const auto text = slow->text();
  EXPECT_TRUE(text.starts_with("id: 4\nevent: reset\ndata: {\"reason\":")) << text;
  EXPECT_EQ(text.find("id: 1\n"), std::string::npos) << "what waited was thrown away";
  slow->drain();
  hub.publish({ev(5, "submit")});
  EXPECT_NE(slow->text().find("id: 5\nevent: submit\n"), std::string::npos) << "live again after the reset";
}

TEST(EventStream, AReplayedClientJoinsWithNoGapAndNoDuplicate) {
  event_hub hub;
  auto other = std::make_shared<fake_sink>();
  hub.join(other);
  hub.publish({ev(5, "acknowledge")});
  // A replay that sent up to 4 is behind what was published: it must read on.
  auto c = std::make_shared<fake_sink>();
  EXPECT_FALSE(hub.join_after(c, 4));
  EXPECT_EQ(hub.clients(), 1u);
  // Having read up to 7 from the journal (6 and 7 committed, not published yet), it joins.
  c->write(sse_message(ev(5, "acknowledge"), std::chrono::minutes{420}) +
           sse_message(ev(6, "start"), std::chrono::minutes{420}) +
           sse_message(ev(7, "submit"), std::chrono::minutes{420}));
  EXPECT_TRUE(hub.join_after(c, 7));
  hub.publish({ev(6, "start"), ev(7, "submit")});   // it has these
  hub.publish({ev(8, "approve")});
  const auto text = c->text();
  for (int id : {5, 6, 7, 8}) {
    const auto tag = "id: " + std::to_string(id) + "\n";
    auto at = text.find(tag);
    ASSERT_NE(at, std::string::npos) << id << "\n" << text;
    EXPECT_EQ(text.find(tag, at + 1), std::string::npos) << "sent twice: " << id;
  }
  EXPECT_NE(other->text().find("id: 7\n"), std::string::npos);
}

TEST(EventStream, StreamPlacesArePerTokenAndInAllAndComeBackWithTheirLease) {
  event_hub_options o;
  o.streams_per_token = 2;
  o.max_streams = 3;
  event_hub hub(o);
  bool per_token = false;
  auto a1 = hub.admit("a", per_token);
  auto a2 = hub.admit("a", per_token);
  ASSERT_TRUE(a1 && a2);
  EXPECT_FALSE(hub.admit("a", per_token));
  EXPECT_TRUE(per_token);
  auto b1 = hub.admit("b", per_token);
  ASSERT_TRUE(b1);
  EXPECT_FALSE(hub.admit("c", per_token)) << "three open, the most in all";
  EXPECT_FALSE(per_token);
  EXPECT_EQ(hub.streams().open, 3u);
  EXPECT_EQ(hub.streams().refused_per_token, 1u);
  EXPECT_EQ(hub.streams().refused_all, 1u);
  a1.reset();
  auto c1 = hub.admit("c", per_token);
  EXPECT_TRUE(c1) << "a place came back when its connection let it go";
  c1.reset();
  b1.reset();
  a2.reset();
  EXPECT_EQ(hub.streams().open, 0u);
  EXPECT_TRUE(hub.admit("a", per_token));
}

TEST(EventStream, HeartbeatsKeepComingAndStopClosesClients) {
  event_hub_options o;
  o.heartbeat = std::chrono::milliseconds(10);
  event_hub hub(o);
  auto c = std::make_shared<fake_sink>();
  hub.join(c);
  hub.start();
  // Waits for the hub's real heartbeat thread (real time by design: it is the network's
  // clock), woken by the sink's writes.
  c->wait_for_text(": heartbeat\n\n", std::chrono::seconds(10));
  hub.stop();
  EXPECT_NE(c->text().find(": heartbeat\n\n"), std::string::npos);
  EXPECT_FALSE(c->is_open());
  EXPECT_EQ(hub.clients(), 0u);
  EXPECT_TRUE(hub.preamble().starts_with("retry: 1000\n"));
}
