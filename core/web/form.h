// Forms: what a browser posts (application/x-www-form-urlencoded, WHATWG URL "urlencoded parsing")
// and field-level error messages shown next to the field they are about.
//
// Pure functions over outside input; fuzzed in tests/fuzz/web_forms_fuzz.cpp.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace core::web {

// '+' is a space, "%XX" (two hex digits) the octet XX; anything else, a lone or short '%' too, stays.
std::string urlDecode(const std::string& s);
// The inverse for form values and query strings: letters, digits and "-._~" stay, a space is '+',
// every other octet is "%XX" (upper-case hex). urlDecode(urlEncode(x)) == x for every x.
std::string urlEncode(const std::string& s);

// "a=1&b=2": every pair with '=' decoded into the map; a repeated name keeps its last value; pairs
// without '=' are skipped. The body's size is bounded by the HTTP server's route limit.
std::map<std::string, std::string> parseForm(const std::string& body);

// What was wrong with a posted form, per field, in the words the person will read.
class FieldErrors {
 public:
  // The first message for a field stays (the most basic problem is reported first).
  void add(const std::string& field, const std::string& message);
  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  // The field's message, or "".
  std::string of(const std::string& field) const;
  const std::map<std::string, std::string>& all() const { return errors_; }

 private:
  std::map<std::string, std::string> errors_;
};

// One labelled input of a form.
struct Field {
  std::string name;           // the form field's name
  std::string id;             // the element id; empty: the name
  std::string label;          // shown above the input
  std::string type = "text";  // text, password, email, number, hidden, ...
  std::string value;          // shown back after a refused post (never for passwords)
  std::string error;          // shown next to the field; empty: none
  // Further attributes in order, e.g. {"autocomplete", "username"}, {"required", ""} (an empty value
  // writes the bare attribute name).
  std::vector<std::pair<std::string, std::string>> attributes;
};

// <label for=ID>LABEL</label><input id=ID name=NAME type=TYPE value=VALUE ...> and, with an error,
// aria-invalid="true" and aria-describedby pointing at <p class="field-error" id="ID-error">, placed
// right after the input so a screen reader announces it with the field. Everything escaped.
std::string renderField(const Field& field);

}  // namespace core::web
