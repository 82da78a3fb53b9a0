#include "mgmt/billing/dunning_policy.h"

#include <algorithm>

namespace mgmt::billing {

using core::Json;

namespace {

constexpr const char* kActionNames[] = {"remind", "throttle", "walled", "suspend", "terminate"};

bool parseAction(const std::string& name, DunningAction& out) {
  for (int i = 0; i < 5; ++i)
    if (name == kActionNames[i]) {
      out = static_cast<DunningAction>(i);
      return true;
    }
  return false;
}

// What reaches the box for an action (remind and terminate reach it through other means).
const char* edgeValue(DunningAction a) {
  switch (a) {
    case DunningAction::kThrottle: return "throttle";
    case DunningAction::kWalled: return "walled";
    case DunningAction::kSuspend: return "suspend";
    default: return "";
  }
}

}  // namespace

const char* dunningActionName(DunningAction a) { return kActionNames[static_cast<int>(a)]; }

int dunningSeverity(const std::string& dunning) {
  if (dunning == "throttle") return 1;
  if (dunning == "walled") return 2;
  if (dunning == "suspend") return 3;
  return 0;
}

core::Result<DunningPolicy> parseDunningPolicy(const std::string& text, const std::vector<std::string>& mailTemplates,
                                               RateCheck rateOk) {
  if (text.size() > kMaxDunningPolicyBytes)
    return core::invalidArgument("steps: longer than " + std::to_string(kMaxDunningPolicyBytes) + " bytes");
  EDGE_ASSIGN_OR_RETURN(Json j, core::parseJsonWithComments(text, "steps", core::JsonLimits{kMaxDunningPolicyBytes, 3}));
  if (!j.is_array()) return core::invalidArgument("steps: expected a JSON array of steps");
  if (j.size() > kMaxDunningSteps)
    return core::invalidArgument("steps: at most " + std::to_string(kMaxDunningSteps) + " steps");
  DunningPolicy p;
  int strongest = 0;  // the most severe action reaching the box so far
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string at = "steps[" + std::to_string(i) + "]";
    const Json& s = j[i];
    if (!s.is_object()) return core::invalidArgument(at + ": expected an object {after-days, action, rate, mail}");
    for (auto it = s.begin(); it != s.end(); ++it)
      if (it.key() != "after-days" && it.key() != "action" && it.key() != "rate" && it.key() != "mail")
        return core::invalidArgument(at + "." + it.key() + ": unknown key (after-days, action, rate, mail)");
    DunningStep step;
    if (!s.contains("after-days") || !s["after-days"].is_number_integer())
      return core::invalidArgument(at + ".after-days: an integer number of days past due is required");
    step.afterDays = s["after-days"].get<int64_t>();
    if (step.afterDays < 1 || step.afterDays > kMaxDunningDays)
      return core::invalidArgument(at + ".after-days: " + std::to_string(step.afterDays) + " is outside 1.." +
                                   std::to_string(kMaxDunningDays));
    if (!p.steps.empty() && step.afterDays <= p.steps.back().afterDays)
      return core::invalidArgument(at + ".after-days: " + std::to_string(step.afterDays) +
                                   " must be more than the step before (" +
                                   std::to_string(p.steps.back().afterDays) + ")");
    if (!s.contains("action") || !s["action"].is_string() || !parseAction(s["action"].get<std::string>(), step.action))
      return core::invalidArgument(at + ".action: expected remind, throttle, walled, suspend or terminate");
    if (s.contains("rate")) {
      if (!s["rate"].is_string()) return core::invalidArgument(at + ".rate: expected a text like \"1M/512k\"");
      step.rate = s["rate"].get<std::string>();
    }
    if (s.contains("mail")) {
      if (!s["mail"].is_string()) return core::invalidArgument(at + ".mail: expected a mail template's name");
      step.mail = s["mail"].get<std::string>();
    }
    const bool rated = step.action == DunningAction::kThrottle || step.action == DunningAction::kWalled;
    if (step.action == DunningAction::kThrottle && step.rate.empty())
      return core::invalidArgument(at + ".rate: a throttle step needs the rate to throttle to (DOWN/UP, like 1M/512k)");
    if (!rated && !step.rate.empty())
      return core::invalidArgument(at + ".rate: only throttle and walled steps take a rate");
    if (!step.rate.empty()) {
      core::Status ok = rateOk(step.rate);
      if (!ok.isOk()) return core::invalidArgument(at + ".rate: " + ok.message());
    }
    if (step.action == DunningAction::kRemind && step.mail.empty())
      return core::invalidArgument(at + ".mail: a remind step needs a mail template (dunning-reminder)");
    if (!step.mail.empty() &&
        std::find(mailTemplates.begin(), mailTemplates.end(), step.mail) == mailTemplates.end())
      return core::invalidArgument(at + ".mail: no mail template named '" + step.mail + "'");
    if (!p.steps.empty() && p.steps.back().action == DunningAction::kTerminate)
      return core::invalidArgument(at + ": nothing can follow a terminate step");
    const int severity = static_cast<int>(step.action);
    if (step.action != DunningAction::kRemind) {
      if (severity < strongest)
        return core::invalidArgument(at + ".action: " + dunningActionName(step.action) + " is milder than " +
                                     kActionNames[strongest] + " before it");
      strongest = severity;
    }
    p.steps.push_back(std::move(step));
  }
  return p;
}

Json dunningPolicyJson(const DunningPolicy& p) {
  Json steps = Json::array();
  for (const DunningStep& s : p.steps) {
    Json j{{"after-days", s.afterDays}, {"action", dunningActionName(s.action)}};
    if (!s.rate.empty()) j["rate"] = s.rate;
    if (!s.mail.empty()) j["mail"] = s.mail;
    steps.push_back(std::move(j));
  }
  return steps;
}

const DunningPolicy& defaultDunningPolicy() {
  static const DunningPolicy p{{
      {3, DunningAction::kRemind, "", "dunning-reminder"},
      {10, DunningAction::kRemind, "", "dunning-reminder"},
      {14, DunningAction::kThrottle, "1M/512k", "dunning-reminder"},
      {21, DunningAction::kWalled, "256k/256k", "dunning-reminder"},
      {30, DunningAction::kSuspend, "", "dunning-reminder"},
      {90, DunningAction::kTerminate, "", ""},
  }};
  return p;
}

DunningStanding standingAt(const DunningPolicy& p, int64_t daysPastDue) {
  DunningStanding out;
  std::string lastRate;
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const DunningStep& s = p.steps[i];
    if (daysPastDue < s.afterDays) break;
    out.step = static_cast<int>(i) + 1;
    out.action = dunningActionName(s.action);
    if (!s.rate.empty()) lastRate = s.rate;
    if (s.action == DunningAction::kTerminate) {
      out.terminate = true;
    } else if (s.action != DunningAction::kRemind) {
      out.dunning = edgeValue(s.action);
      // A walled step without a rate of its own keeps the throttle's; a suspended one needs none.
      out.rate = s.action == DunningAction::kSuspend ? "" : (s.rate.empty() ? lastRate : s.rate);
    }
  }
  return out;
}

}  // namespace mgmt::billing
