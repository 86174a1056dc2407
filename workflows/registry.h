// The built-in duty kinds of DESIGN.md and the registry that names them. Every kind and
// the registry are built on first use, immutable afterwards and shared by all threads;
// none of these functions fails.
#pragma once

#include "engine/workflow.h"

namespace dutyflow {

const duty_kind& report_kind();      // "report": a document or report
const duty_kind& venue_kind();       // "venue": the hall and its conditions
const duty_kind& reporter_kind();    // "reporter": a reporter covers the event
const duty_kind& tham_luan_kind();   // "tham_luan": a discussion paper
const duty_kind& awards_kind();      // "awards": emulation and awards
const duty_kind& attendance_kind();  // "attendance": delegates attend
const duty_kind& publish_kind();     // "publish": documents posted on the website

// All seven kinds by name.
const kind_registry& builtin_kinds();

}  // namespace dutyflow
