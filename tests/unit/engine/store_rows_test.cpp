// The outbox status is a closed set with one table of names (engine/store_rows.cpp).
#include "engine/store_rows.h"

#include <gtest/gtest.h>

#include <set>

using namespace dutyflow;

TEST(OutboxStatus, EveryStatusHasOneNameThatParsesBack) {
  std::set<std::string_view> names;
  for (auto s : outbox_statuses) {
    names.insert(outbox_status_name(s));
    EXPECT_EQ(parse_outbox_status(outbox_status_name(s)), s);
  }
  EXPECT_EQ(names, (std::set<std::string_view>{"pending", "delivered", "failed", "skipped"}));
  EXPECT_FALSE(parse_outbox_status("Delivered"));
  EXPECT_FALSE(parse_outbox_status(""));
}
