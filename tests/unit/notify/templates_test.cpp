#include "adapters/notify/templates.h"

#include <gtest/gtest.h>

#include "tests/support/daemon_process.h"

using namespace dutyflow;
using namespace dutyflow::notify;

namespace {

instant at(const char* iso) {
  return *parse_instant(iso);
}
const std::chrono::minutes ict{420};

}  // namespace

TEST(VietnameseDates, TimeThenDayWithOfficialZeroPadding) {
  EXPECT_EQ(vietnamese_datetime(at("2023-06-15T17:00:00+07:00"), ict), "17:00 ngày 15/6/2023");
  EXPECT_EQ(vietnamese_datetime(at("2023-06-05T08:05:00+07:00"), ict), "08:05 ngày 05/6/2023");
  EXPECT_EQ(vietnamese_datetime(at("2024-02-01T07:30:00+07:00"), ict), "07:30 ngày 01/02/2024");
  EXPECT_EQ(vietnamese_datetime(at("2023-12-20T10:00:00Z"), ict), "17:00 ngày 20/12/2023");
}

TEST(VietnameseDates, AnInstantAtMidnightIsThatMidnightButADeadlineThereIsTheDayBefore) {
  // A link that expires at midnight expires at the start of that day...
  EXPECT_EQ(vietnamese_datetime(at("2023-07-05T00:00:00+07:00"), ict), "00:00 ngày 05/7/2023");
  // ...while a deadline at midnight is the whole day before, written as every channel writes it.
  EXPECT_EQ(vietnamese_deadline(at("2023-06-17T00:00:00+07:00"), ict), "hết ngày 16/6/2023");
  EXPECT_EQ(vietnamese_deadline(at("2024-01-01T00:00:00+07:00"), ict), "hết ngày 31/12/2023");
  EXPECT_EQ(vietnamese_deadline(at("2023-06-15T17:00:00+07:00"), ict), "17:00 ngày 15/6/2023");
}

TEST(Templates, PlaceholdersAndSectionsRender) {
  auto t = message_template::parse(
      "Subject: [{{plan_number}}] {{duty_title}}{{#deadline}} (hạn {{deadline}}){{/deadline}}\n"
      "\n"
      "Kính gửi: {{unit_name}}\n"
      "{{#note}}\n"
      "Lý do: {{note}}\n"
      "{{/note}}\n"
      "{{^deadline}}\n"
      "Chưa có thời hạn.\n"
      "{{/deadline}}\n"
      "Hết.\n",
      "t");
  ASSERT_TRUE(t) << t.err().message;
  auto r = t->render({{"plan_number", "182/KH-UBND"}, {"duty_title", "Tham luận"}, {"unit_name", "Xã Ma Li Pho"}});
  EXPECT_EQ(r.subject, "[182/KH-UBND] Tham luận");
  EXPECT_EQ(r.text, "Kính gửi: Xã Ma Li Pho\nChưa có thời hạn.\nHết.\n");
  r = t->render({{"plan_number", "182/KH-UBND"},
                 {"duty_title", "Tham luận"},
                 {"unit_name", "Xã Ma Li Pho"},
                 {"deadline", "17:00 ngày 15/6/2023"},
                 {"note", "Bổ sung số liệu"}});
  EXPECT_EQ(r.subject, "[182/KH-UBND] Tham luận (hạn 17:00 ngày 15/6/2023)");
  EXPECT_EQ(r.text, "Kính gửi: Xã Ma Li Pho\nLý do: Bổ sung số liệu\nHết.\n");
}

TEST(Templates, SubjectStaysOneLineWhateverTheValues) {
  auto t = message_template::parse("Subject: {{duty_title}}\n\nx\n", "t");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->render({{"duty_title", "a\r\nBcc: x@y.vn\n  b"}}).subject, "a Bcc: x@y.vn b");
}

TEST(Templates, MistakesAreReportedWithTheirLines) {
  auto no_subject = message_template::parse("Tiêu đề: x\n\nbody\n", "a.txt");
  ASSERT_FALSE(no_subject);
  EXPECT_NE(no_subject.err().message.find("Subject:"), std::string::npos);

  auto unknown = message_template::parse("Subject: x\n\nline\n{{dealine}}\n", "b.txt");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.err().message.find("line 2: unknown placeholder \"dealine\""), std::string::npos)
      << unknown.err().message;

  auto unclosed = message_template::parse("Subject: x\n\n{{#note}}\nLý do\n", "c.txt");
  ASSERT_FALSE(unclosed);
  EXPECT_NE(unclosed.err().message.find("section \"note\" is not closed"), std::string::npos);

  auto stray = message_template::parse("Subject: x\n\n{{/note}}\n", "d.txt");
  ASSERT_FALSE(stray);
  EXPECT_NE(stray.err().message.find("closes no open section"), std::string::npos);
}

TEST(Templates, TheShippedVietnameseSetHasEveryReason) {
  auto set = template_set::load(dutyflow::testing::source_path("config/templates/vi"));
  ASSERT_TRUE(set) << set.err().message;
  for (auto reason : notification_reasons()) {
    const auto* t = set->find(reason);
    ASSERT_NE(t, nullptr) << reason;
    auto r = t->render({{"plan_number", "182/KH-UBND"}, {"duty_title", "Tham luận"}, {"id", "k"}});
    EXPECT_TRUE(r.subject.starts_with("[182/KH-UBND] ")) << reason;
    EXPECT_NE(r.text.find("Tham luận"), std::string::npos) << reason;
    EXPECT_NE(r.text.find("Việc cần làm tiếp theo: "), std::string::npos) << reason;
    EXPECT_NE(r.text.find("Mã thông báo: k"), std::string::npos) << reason;
    EXPECT_EQ(r.text.find("{{"), std::string::npos) << reason;
    EXPECT_EQ(r.text.find("\n\n\n"), std::string::npos) << reason << ": a section left blank lines";
  }
}
