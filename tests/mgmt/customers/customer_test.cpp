// Customers through the command table on the storage of this run: fields checked with the field's
// name in the refusal, search by every kind of term through the index, tenant isolation (another
// tenant's id is not-found, never data), and the search terms themselves.
#include "mgmt/customers/customer_store.h"
#include "tests/mgmt/support/mgmt_fixture.h"  // last: it ends with CppUTest's headers

using core::Json;
using mgmt::tenancy::Caller;
using mgmt::testing::Fixture;

namespace {

std::vector<std::string> namesOf(const core::ControlReply& r) {
  std::vector<std::string> out;
  for (const Json& c : r.arguments["customers"]) out.push_back(c["name"].get<std::string>());
  return out;
}

std::string joinNames(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : "|") + s;
  return out;
}
}  // namespace

TEST_GROUP(Customers){};

TEST(Customers, AddShowSetDelete) {
  Fixture f;
  f.tenant("acme", "basic");
  CHECK_EQUAL(0, f.call("plan-add", Json{{"tenant", "acme"}, {"name", "p"}, {"down", "1M"}, {"up", "1M"}}).result);
  CHECK_EQUAL(0, f.call("subscriber-add", Json{{"tenant", "acme"}, {"username", "ana"}, {"password", "pw"}, {"plan", "p"}}).result);
  core::ControlReply added = f.call("customer-add", Json{{"tenant", "acme"}, {"name", "Ana Silva"}, {"email", "ana@example.com"},
                                                         {"phone", "+351 912 345 678"}, {"address", "Rua 1\nLisboa"},
                                                         {"tags", "VIP, fiber"}, {"username", "ana"}});
  CHECK_EQUAL_TEXT(0, added.result, added.text.c_str());
  std::string id = added.arguments["id"].get<std::string>();
  core::ControlReply shown = f.call("customer-show", Json{{"tenant", "acme"}, {"id", id}});
  CHECK_EQUAL(0, shown.result);
  STRCMP_EQUAL("ana@example.com", shown.arguments["email"].get<std::string>().c_str());
  STRCMP_EQUAL("Rua 1\nLisboa", shown.arguments["address"].get<std::string>().c_str());
  CHECK(shown.arguments["tags"] == Json::array({"vip", "fiber"}));
  STRCMP_EQUAL("ana", shown.arguments["username"].get<std::string>().c_str());
  // set: only what is given changes; an empty value clears.
  CHECK_EQUAL(0, f.call("customer-set", Json{{"tenant", "acme"}, {"id", id}, {"phone", ""}, {"notes", "pays cash"}}).result);
  shown = f.call("customer-show", Json{{"tenant", "acme"}, {"id", id}});
  STRCMP_EQUAL("", shown.arguments["phone"].get<std::string>().c_str());
  STRCMP_EQUAL("pays cash", shown.arguments["notes"].get<std::string>().c_str());
  STRCMP_EQUAL("Ana Silva", shown.arguments["name"].get<std::string>().c_str());
  // The phone's terms went with it.
  CHECK_EQUAL(0u, f.call("customer-list", Json{{"tenant", "acme"}, {"search", "912"}}).arguments["customers"].size());
  CHECK_EQUAL(0, f.call("customer-del", Json{{"tenant", "acme"}, {"id", id}}).result);
  CHECK_TRUE(f.call("customer-show", Json{{"tenant", "acme"}, {"id", id}}).code == core::Code::kNotFound);
  CHECK_TRUE(f.call("customer-del", Json{{"tenant", "acme"}, {"id", id}}).code == core::Code::kNotFound);
  CHECK_EQUAL(0, f.call("customer-list", Json{{"tenant", "acme"}}).arguments["total"].get<int64_t>());
}

TEST(Customers, RefusalsNameTheField) {
  Fixture f;
  f.tenant("acme", "basic");
  struct Case {
    Json args;
    const char* prefix;
  } cases[] = {
      {Json{{"email", "x@y.com"}}, "name"},  // the table's own "name is required"
      {Json{{"name", "  "}}, "name: "},
      {Json{{"name", "A"}, {"email", "not-an-address"}}, "email: "},
      {Json{{"name", "A"}, {"email", "a@b@c.com"}}, "email: "},
      {Json{{"name", "A"}, {"phone", "12ab5678"}}, "phone: "},
      {Json{{"name", "A"}, {"phone", "123"}}, "phone: "},
      {Json{{"name", "A"}, {"tags", "ok, not ok!"}}, "tags: "},
      {Json{{"name", "A"}, {"username", "nobody"}}, "username: "},
      {Json{{"name", "A\x01"}}, "name: "},
  };
  for (const Case& c : cases) {
    Json args = c.args;
    args["tenant"] = "acme";
    core::ControlReply r = f.call("customer-add", args);
    CHECK_TRUE_TEXT(r.code == core::Code::kInvalidArgument, (args.dump() + " -> " + r.text).c_str());
    CHECK_TRUE_TEXT(r.text.rfind(c.prefix, 0) == 0, (args.dump() + " -> " + r.text).c_str());
  }
  // The table's own limits too: a name longer than the spec allows.
  core::ControlReply longName = f.call("customer-add", Json{{"tenant", "acme"}, {"name", std::string(129, 'a')}});
  CHECK_EQUAL(1, longName.result);
  CHECK_TRUE_TEXT(longName.text.find("name") != std::string::npos, longName.text.c_str());
  CHECK_EQUAL(0, f.call("customer-list", Json{{"tenant", "acme"}}).arguments["total"].get<int64_t>());
}

TEST(Customers, SearchByNameUsernameEmailPhoneAndTag) {
  Fixture f;
  f.tenant("acme", "basic");
  CHECK_EQUAL(0, f.call("plan-add", Json{{"tenant", "acme"}, {"name", "p"}, {"down", "1M"}, {"up", "1M"}}).result);
  CHECK_EQUAL(0, f.call("subscriber-add", Json{{"tenant", "acme"}, {"username", "bruno.c"}, {"password", "pw"}, {"plan", "p"}}).result);
  CHECK_EQUAL(0, f.call("customer-add", Json{{"tenant", "acme"}, {"name", "Ana Silva"}, {"email", "ana@mail.pt"}, {"phone", "+351 912 000 111"}, {"tags", "vip"}}).result);
  CHECK_EQUAL(0, f.call("customer-add", Json{{"tenant", "acme"}, {"name", "Bruno Costa"}, {"username", "bruno.c"}, {"tags", "fiber,vip"}}).result);
  CHECK_EQUAL(0, f.call("customer-add", Json{{"tenant", "acme"}, {"name", "Carla Silva"}, {"email", "carla@corp.com"}}).result);
  auto search = [&f](const std::string& q) {
    return joinNames(namesOf(f.call("customer-list", Json{{"tenant", "acme"}, {"search", q}})));
  };
  STRCMP_EQUAL("Ana Silva|Carla Silva", search("silva").c_str());
  STRCMP_EQUAL("Ana Silva|Carla Silva", search("SIL").c_str());    // a prefix, any case
  STRCMP_EQUAL("Carla Silva", search("silva car").c_str());        // every word must match
  STRCMP_EQUAL("Bruno Costa", search("bruno.c").c_str());          // the username
  STRCMP_EQUAL("Carla Silva", search("carla@corp").c_str());       // the email
  STRCMP_EQUAL("Ana Silva", search("+351 912-000").c_str());       // phone digits, as typed
  STRCMP_EQUAL("Ana Silva|Bruno Costa", search("vip").c_str());    // a tag
  STRCMP_EQUAL("Bruno Costa", search("fiber").c_str());
  STRCMP_EQUAL("", search("zed").c_str());
  STRCMP_EQUAL("Ana Silva|Bruno Costa|Carla Silva", search("").c_str());
  // Paging, and the total of the tenant.
  core::ControlReply page = f.call("customer-list", Json{{"tenant", "acme"}, {"limit", 1}, {"offset", 1}});
  STRCMP_EQUAL("Bruno Costa", joinNames(namesOf(page)).c_str());
  CHECK_EQUAL(3, page.arguments["total"].get<int64_t>());
  // A term that is a prefix of another's upper bound does not leak into the range: "silva" is not "silvas".
  CHECK_EQUAL(0, f.call("customer-add", Json{{"tenant", "acme"}, {"name", "Dora Silvas"}}).result);
  STRCMP_EQUAL("Ana Silva|Carla Silva|Dora Silvas", search("silva").c_str());
  STRCMP_EQUAL("Dora Silvas", search("silvas").c_str());
}

TEST(Customers, AnotherTenantsIdsAreNotFound) {
  Fixture f;
  std::string acme = f.tenant("acme", "basic");
  std::string other = f.tenant("other", "basic");
  core::ControlReply mine = f.call("customer-add", Json{{"name", "Ana"}}, Caller{acme});
  CHECK_EQUAL_TEXT(0, mine.result, mine.text.c_str());
  std::string id = mine.arguments["id"].get<std::string>();
  // The other tenant's token, with the id, or naming acme: not-found, nothing of Ana.
  for (const char* cmd : {"customer-show", "customer-del"}) {
    core::ControlReply r = f.call(cmd, Json{{"id", id}}, Caller{other});
    CHECK_TRUE_TEXT(r.code == core::Code::kNotFound, r.text.c_str());
    CHECK_TRUE(r.text.find("Ana") == std::string::npos);
  }
  CHECK_TRUE(f.call("customer-set", Json{{"id", id}, {"name", "X"}}, Caller{other}).code == core::Code::kNotFound);
  CHECK_TRUE(f.call("customer-show", Json{{"tenant", "acme"}, {"id", id}}, Caller{other}).code == core::Code::kNotFound);
  CHECK_TRUE(f.call("customer-list", Json{{"tenant", "acme"}}, Caller{other}).code == core::Code::kNotFound);
  CHECK_EQUAL(0u, f.call("customer-list", Json::object(), Caller{other}).arguments["customers"].size());
  // Ana is untouched.
  STRCMP_EQUAL("Ana", f.call("customer-show", Json{{"id", id}}, Caller{acme}).arguments["name"].get<std::string>().c_str());
}

TEST(Customers, SearchTermsAndQueryWords) {
  mgmt::customers::Customer c;
  c.name = "Ana  Maria Silva";
  c.email = "Ana@Mail.PT";
  c.phone = "+351 (912) 000-111";
  c.tags = {"vip"};
  c.username = "Ana.S";
  std::vector<std::string> terms = mgmt::customers::searchTerms(c);
  STRCMP_EQUAL("351912000111|ana|ana maria silva|ana.s|ana@mail.pt|maria|silva|vip", joinNames(terms).c_str());
  STRCMP_EQUAL("912000|ana", joinNames(mgmt::customers::queryWords("912-000 ANA ana")).c_str());
  STRCMP_EQUAL("351912000", joinNames(mgmt::customers::queryWords(" +351 (912) 000")).c_str());
  CHECK_EQUAL(4u, mgmt::customers::queryWords("a b c d e f").size());
  // A word of a name written like a number is found as typed: the query keeps its digits, so does the index.
  mgmt::customers::Customer k;
  k.name = "Kiosk (12)";
  STRCMP_EQUAL("(12)|12|kiosk|kiosk (12)", joinNames(mgmt::customers::searchTerms(k)).c_str());
  STRCMP_EQUAL("kiosk|12", joinNames(mgmt::customers::queryWords("kiosk (12)")).c_str());
}
