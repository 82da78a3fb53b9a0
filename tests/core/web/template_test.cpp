#include "core/web/template.h"

#include <string>

#include "core/web/embedded_files.h"

#include <CppUTest/TestHarness.h>

using core::Json;
using core::web::Templates;

namespace {

std::string render(Templates& t, const std::string& name, const Json& data) {
  core::Result<std::string> out = t.render(name, data);
  if (!out.isOk()) FAIL(out.status().message().c_str());
  return *out;
}

}  // namespace

TEST_GROUP(WebTemplate){};

TEST(WebTemplate, EscapesLikeCoreHtml) {
  Templates t;
  CHECK_TRUE(t.add("p", "<p title=\"{{v}}\">{{v}}</p>{{{raw}}}").isOk());
  STRCMP_EQUAL("<p title=\"&lt;b&gt; &amp; &quot;q&quot; &#39;s&#39;\">&lt;b&gt; &amp; &quot;q&quot; &#39;s&#39;</p><i>ok</i>",
               render(t, "p", {{"v", "<b> & \"q\" 's'"}, {"raw", "<i>ok</i>"}}).c_str());
}

TEST(WebTemplate, SectionsListsAndValues) {
  Templates t;
  CHECK_TRUE(t.add("l", "{{#items}}[{{name}}={{n}}]{{/items}}{{^items}}none{{/items}}{{#on}}on{{/on}}{{#off}}off{{/off}}"
                        "{{#nothing}}null{{/nothing}}{{#obj}}<{{k}}>{{/obj}}{{#tags}}({{.}}){{/tags}}")
                  .isOk());
  Json d = {{"items", {{{"name", "a"}, {"n", 1}}, {{"name", "b"}, {"n", 22}}}},
            {"on", true},
            {"off", false},
            {"nothing", nullptr},
            {"obj", {{"k", "v"}}},
            {"tags", {"x", "y"}}};
  STRCMP_EQUAL("[a=1][b=22]on<v>(x)(y)", render(t, "l", d).c_str());
  STRCMP_EQUAL("none", render(t, "l", {{"items", Json::array()}}).c_str());
  // A missing value is empty, not an error.
  STRCMP_EQUAL("none", render(t, "l", Json::object()).c_str());
}

TEST(WebTemplate, PartialsComeFromTheSet) {
  Templates t;
  CHECK_TRUE(t.add("page", "<form>{{> field}}</form>").isOk());
  CHECK_TRUE(t.add("field", "<input value=\"{{v}}\">").isOk());
  STRCMP_EQUAL("<form><input value=\"&lt;x&gt;\"></form>", render(t, "page", {{"v", "<x>"}}).c_str());
  // A data key of the same name does not replace the partial (the library's default would).
  STRCMP_EQUAL("<form><input value=\"1\"></form>", render(t, "page", {{"v", "1"}, {"field", "<script>"}}).c_str());
}

TEST(WebTemplate, Errors) {
  Templates t;
  core::Status bad = t.add("broken", "{{#open}}never closed");
  CHECK_FALSE(bad.isOk());
  CHECK(bad.code() == core::Code::kInvalidArgument);
  CHECK(bad.message().find("broken") != std::string::npos);
  CHECK_FALSE(t.has("broken"));
  core::Result<std::string> unknown = t.render("nope", Json::object());
  CHECK(unknown.status().code() == core::Code::kNotFound);
  CHECK_TRUE(t.add("p", "a{{> missing}}b").isOk());
  core::Result<std::string> missing = t.render("p", Json::object());
  CHECK(missing.status().code() == core::Code::kInvalidArgument);
  CHECK(missing.status().message().find("missing") != std::string::npos);
}

TEST(WebTemplate, FilesWithoutTheirFinalNewline) {
  Templates t;
  CHECK_TRUE(t.addFiles(core::web::coreWebFiles()).isOk());
  CHECK_TRUE(t.has("frame"));
  CHECK_TRUE(t.has("csrf"));
  STRCMP_EQUAL("<input type=\"hidden\" name=\"csrf\" value=\"a&amp;b\">", render(t, "csrf", {{"csrf", "a&b"}}).c_str());
}
