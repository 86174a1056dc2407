#include "adapters/notify/mime.h"

#include <gtest/gtest.h>

#include "adapters/notify/codec.h"
#include "adapters/security/codec.h"

using namespace dutyflow;
using namespace dutyflow::notify;
using namespace dutyflow::security;

namespace {

instant at(const char* iso) {
  return *parse_instant(iso);
}

mail sample() {
  mail m;
  m.from_address = "dutyflow@phongtho.example";
  m.from_name = "Hệ thống theo dõi nhiệm vụ";
  m.to_address = "malipho@phongtho.example";
  m.to_name = "Xã Ma Li Pho";
  m.subject = "Giao nhiệm vụ";
  m.text = "Kính gửi: Xã Ma Li Pho\n.\n";
  m.message_id =
      message_id_for("182-kh-ubnd-2023/tham-luan-xa-ma-li-pho/assigned/2023-06-05T01:00:00Z", "phongtho.example");
  m.date = at("2023-06-15T17:00:00+07:00");
  m.extra_headers = {{"X-Dutyflow-Id", "182-kh-ubnd-2023/tham-luan-xa-ma-li-pho/assigned/2023-06-05T01:00:00Z"}};
  return m;
}

}  // namespace

TEST(Mime, DateIsWrittenInTheGivenZone) {
  EXPECT_EQ(rfc5322_date(at("2023-06-15T17:00:00+07:00"), std::chrono::minutes(420)),
            "Thu, 15 Jun 2023 17:00:00 +0700");
  EXPECT_EQ(rfc5322_date(at("2023-06-15T17:00:00+07:00"), std::chrono::minutes(0)), "Thu, 15 Jun 2023 10:00:00 +0000");
  EXPECT_EQ(rfc5322_date(at("2024-01-01T00:30:00Z"), std::chrono::minutes(-150)), "Sun, 31 Dec 2023 22:00:00 -0230");
}

TEST(Mime, MessageIdIsStableForAKeyAndDiffersBetweenKeys) {
  const auto a = message_id_for("p/d/assigned/2023-06-05T01:00:00Z", "x.vn");
  EXPECT_EQ(a, message_id_for("p/d/assigned/2023-06-05T01:00:00Z", "x.vn"));
  EXPECT_NE(a, message_id_for("p/d/reminder/2023-06-05T01:00:00Z", "x.vn"));
  EXPECT_TRUE(a.starts_with("<") && a.ends_with("@x.vn>"));
  EXPECT_EQ(a.size(), 1 + 32 + 5 + 1);
}

TEST(Mime, MessageHasTheHeadersAndAQuotedPrintableUtf8Body) {
  const auto text = render_mail(sample());
  EXPECT_NE(text.find("Date: Thu, 15 Jun 2023 17:00:00 +0700\r\n"), std::string::npos);
  EXPECT_NE(text.find("Subject: =?UTF-8?B?" + base64_encode("Giao nhiệm vụ") + "?=\r\n"), std::string::npos);
  EXPECT_NE(text.find("To: =?UTF-8?B?" + base64_encode("Xã Ma Li Pho") + "?= <malipho@phongtho.example>\r\n"),
            std::string::npos);
  EXPECT_NE(text.find("Message-ID: <"), std::string::npos);
  EXPECT_NE(text.find("X-Dutyflow-Id: 182-kh-ubnd-2023/tham-luan-xa-ma-li-pho/assigned/2023-06-05T01:00:00Z\r\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\nK=C3=ADnh g=E1=BB=ADi: X=C3=A3 Ma Li Pho\r\n"),
      std::string::npos);
  EXPECT_TRUE(text.ends_with("\r\n"));
  for (std::size_t i = 0; i < text.size(); ++i) {
    EXPECT_LT(static_cast<unsigned char>(text[i]), 0x80) << "8-bit byte at " << i;
    if (text[i] == '\n') {
      EXPECT_EQ(text[i - 1], '\r');
    }
  }
}

TEST(Mime, Base64BodyDecodesToTheText) {
  auto m = sample();
  m.encoding = body_encoding::base64;
  const auto text = render_mail(m);
  const auto body_at = text.find("Content-Transfer-Encoding: base64\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos);
  auto body = text.substr(body_at + 37);
  std::string flat;
  for (char c : body)
    if (c != '\r' && c != '\n') flat.push_back(c);
  EXPECT_EQ(base64_decode(flat), m.text);
}

TEST(Mime, DisplayNamesAreQuotedOrEncoded) {
  EXPECT_EQ(mailbox("", "a@b.vn"), "<a@b.vn>");
  EXPECT_EQ(mailbox("Phong Noi vu", "a@b.vn"), "Phong Noi vu <a@b.vn>");
  EXPECT_EQ(mailbox("UBND, huyen \"PT\"", "a@b.vn"), "\"UBND, huyen \\\"PT\\\"\" <a@b.vn>");
  EXPECT_EQ(mailbox("Phòng Nội vụ", "a@b.vn"), "=?UTF-8?B?" + base64_encode("Phòng Nội vụ") + "?= <a@b.vn>");
}

TEST(Mime, OnlyPlainAddressesAreAccepted) {
  EXPECT_TRUE(valid_address("malipho@phongtho.example"));
  EXPECT_FALSE(valid_address("malipho"));
  EXPECT_FALSE(valid_address("a@b@c"));
  EXPECT_FALSE(valid_address("a@b.vn>\r\nBcc: x@y.vn"));
  EXPECT_FALSE(valid_address("<a@b.vn>"));
  EXPECT_FALSE(valid_address("a b@c.vn"));
}

TEST(Mime, SmtpDataStuffsDotsAndEndsWithTheTerminator) {
  EXPECT_EQ(smtp_data("a\r\n.b\r\n"), "a\r\n..b\r\n.\r\n");
  EXPECT_EQ(smtp_data(".\r\nx"), "..\r\nx\r\n.\r\n");
  EXPECT_EQ(smtp_data("a\nb"), "a\r\nb\r\n.\r\n");
}
