#include "mgmt/api/openapi.h"

#include <set>

namespace mgmt::api {

using core::Json;
using core::command::Arg;
using core::command::ArgType;
using core::command::PublicCode;
using core::command::Spec;

bool servedByAdminApi(const Spec& spec) {
  return !spec.cliOnly && spec.name != "status" && spec.name != "shutdown" && spec.name != "list-commands";
}

namespace {

// The JSON Schema of one argument as the table accepts it. Integers and booleans also come as text
// from the CLI; over HTTP a query parameter is text by nature, so GET parameters say "string" with a
// pattern, and JSON bodies take the typed value or its text (oneOf).
Json argSchema(const Arg& a, bool inQuery) {
  Json s;
  switch (a.type) {
    case ArgType::kText:
    case ArgType::kSecret:
      s = {{"type", "string"}, {"maxLength", a.maxLength}};
      if (a.type == ArgType::kSecret) s["format"] = "password";
      break;
    case ArgType::kInteger: {
      Json n = {{"type", "integer"}, {"format", "int64"}};
      if (a.min != INT64_MIN) n["minimum"] = a.min;
      if (a.max != INT64_MAX) n["maximum"] = a.max;
      s = inQuery ? Json{{"type", "string"}, {"pattern", "^-?[0-9]+$"}, {"description", "a whole number" +
                         (a.rangeText().empty() ? std::string() : ", " + a.rangeText())}}
                  : Json{{"oneOf", Json::array({n, Json{{"type", "string"}, {"pattern", "^-?[0-9]+$"}}})}};
      break;
    }
    case ArgType::kBoolean:
      s = inQuery ? Json{{"type", "string"}, {"enum", {"true", "false", "yes", "no", "1", "0"}}}
                  : Json{{"oneOf", Json::array({Json{{"type", "boolean"}},
                                                Json{{"type", "string"}, {"enum", {"true", "false", "yes", "no", "1", "0"}}}})}};
      break;
    case ArgType::kList:
      s = inQuery ? Json{{"type", "string"}, {"maxLength", a.maxLength}}
                  : Json{{"oneOf", Json::array({Json{{"type", "string"}, {"maxLength", a.maxLength}},
                                                Json{{"type", "array"}, {"items", {{"type", "string"}, {"maxLength", a.maxLength}}}}})}};
      break;
    case ArgType::kRows:
      s = {{"type", "array"}, {"items", {{"type", "object"}}}, {"maxItems", a.maxLength}};
      break;
    case ArgType::kObject:
      s = {{"type", "object"}};
      break;
  }
  return s;
}

Json errorResponse(const std::string& description) {
  return Json{{"description", description},
              {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

}  // namespace

Json openApiDocument(const std::vector<Spec>& specs, const std::string& version) {
  Json paths = Json::object();
  for (const Spec& spec : specs) {
    if (!servedByAdminApi(spec)) continue;
    const bool read = !spec.mutates();
    Json op = {{"operationId", spec.name},
               {"summary", spec.help},
               {"description", "mgmtctl " + spec.words + (spec.usage.empty() ? "" : " " + spec.usage) +
                                   (spec.role.empty() ? "" : "\n\nRole: " + spec.role + " or above.") +
                                   (spec.feature.empty() ? "" : "\n\nLicense feature: " + spec.feature + ".")},
               {"x-role", spec.role},
               {"x-effect", read ? "read" : spec.effect == Spec::Effect::kAction ? "action" : "change"}};
    if (read) {
      Json params = Json::array();
      for (const Arg& a : spec.args)
        params.push_back({{"name", a.name}, {"in", "query"}, {"required", a.required}, {"schema", argSchema(a, true)}});
      if (!params.empty()) op["parameters"] = params;
    } else {
      Json props = Json::object(), required = Json::array();
      for (const Arg& a : spec.args) {
        props[a.name] = argSchema(a, false);
        if (a.required) required.push_back(a.name);
      }
      Json schema = {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
      if (!required.empty()) schema["required"] = required;
      op["requestBody"] = {{"required", !required.empty()}, {"content", {{"application/json", {{"schema", schema}}}}}};
    }
    op["responses"] = {
        {"200", {{"description", "done"}, {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Reply"}}}}}}}}},
        {"400", errorResponse("invalid-argument: the message names the argument")},
        {"401", errorResponse("no token, or an unknown, expired or revoked one")},
        {"403", errorResponse("permission-denied: the token's role may not")},
        {"404", errorResponse("not-found (another tenant's objects are not found either)")},
        {"409", errorResponse("conflict or failed-precondition")},
        {"503", errorResponse("unavailable: retry later")},
    };
    paths["/api/v1/" + spec.name][read ? "get" : "post"] = op;
  }
  // The document itself: public.
  paths["/api/v1/openapi.json"]["get"] = {
      {"operationId", "openapi"},
      {"summary", "this document"},
      {"security", Json::array()},
      {"responses", {{"200", {{"description", "the OpenAPI document"}, {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}}}}}};

  Json codes = Json::array();
  for (PublicCode c : {PublicCode::kInvalidArgument, PublicCode::kNotFound, PublicCode::kConflict,
                       PublicCode::kPermissionDenied, PublicCode::kFailedPrecondition, PublicCode::kUnavailable,
                       PublicCode::kInternal})
    codes.push_back(core::command::publicCodeName(c));
  codes.push_back("unauthenticated");  // 401: no token, or one that stands for nobody
  return Json{
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "mgmtd admin API"},
        {"version", version},
        {"description",
         "Every operator command of mgmtd's command table. Reads are GET with query parameters, the rest POST "
         "with a JSON object. A platform token may name any tenant; a tenant's token only its own (the "
         "`tenant` argument may be left out)."}}},
      {"servers", Json::array({Json{{"url", "/"}}})},
      {"security", Json::array({Json{{"bearer", Json::array()}}})},
      {"paths", paths},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Reply",
           {{"type", "object"},
            {"required", {"text", "data"}},
            {"additionalProperties", false},
            {"properties", {{"text", {{"type", "string"}}}, {"data", Json::object()}}}}},
          {"Error",
           {{"type", "object"},
            {"required", {"error"}},
            {"properties", {{"error", {{"type", "string"}}}, {"code", {{"type", "string"}, {"enum", codes}}}}}}}}}}}};
}

void routeOpenApi(core::HttpServer& server, const std::vector<Spec>& specs, const std::string& version) {
  const std::string body = openApiDocument(specs, version).dump(1);
  server.route("GET", "/api/v1/openapi.json", [body](const core::HttpRequest&) {
    core::HttpResponse r;
    r.contentType = "application/json";
    r.body = body;
    r.headers.emplace_back("Cache-Control", "max-age=300");
    return r;
  });
}

}  // namespace mgmt::api
