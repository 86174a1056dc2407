// Text from plans and requests made safe to show on one line of a log or a terminal: line
// breaks, ESC and other control characters, and the bidi controls that reorder what a
// reader sees (U+202A–U+202E, U+2066–U+2069) are written as visible escapes, so that a
// note cannot forge a log line or drive the coordinator's terminal. Plain functions, any
// thread; escape_logged_messages() once at start-up, before other threads log.
#pragma once

#include <string>
#include <string_view>

namespace dutyflow {

// `text` with \n \r \t as "\n" "\r" "\t", other C0 controls, DEL and bytes that are not
// UTF-8 as "\xNN", C1 controls and bidi/line-separator code points as "\uNNNN". Anything
// else (Vietnamese included) is kept as it is.
std::string escape_control(std::string_view text);

// True when escape_control would change `text`.
bool has_control(std::string_view text);

// Wraps every sink of spdlog's default logger so that each message is escape_control'ed
// before it is formatted: one log call is one line whatever the strings in it.
void escape_logged_messages();

}  // namespace dutyflow
