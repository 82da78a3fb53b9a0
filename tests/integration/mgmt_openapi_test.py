"""The admin API's OpenAPI 3 document (issue 23): generated from mgmtd's command table, served at
/api/v1/openapi.json, and true to what the API answers: real requests against a real mgmtd, each
answer checked with python3-jsonschema against the response schema the document gives for its
path, method and status, and each request built only from parameters the document declares."""
import json
import os
import ssl
import sys
import unittest
import urllib.error
import urllib.parse
import urllib.request

import jsonschema

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Mgmtd, TempDir  # noqa: E402

CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


class OpenApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("openapi-it-")
        cls.m = m = Mgmtd(os.path.join(cls.tmp.path, "mgmt")).start()
        cls.base = f"https://127.0.0.1:{m.admin_port}"
        with open(os.path.join(m.data_dir, "admin-token")) as f:
            cls.token = f.read().strip()
        with urllib.request.urlopen(cls.base + "/api/v1/openapi.json", context=CTX, timeout=10) as r:
            cls.status, cls.doc = r.status, json.load(r)

    @classmethod
    def tearDownClass(cls):
        cls.m.stop()
        cls.tmp.cleanup()

    def call(self, method, name, args=None, token=None):
        """One request of the document's operation, checked against it; returns (status, body)."""
        path = "/api/v1/" + name
        op = self.doc["paths"][path][method.lower()]
        url, data = self.base + path, None
        if method == "GET":
            declared = {p["name"]: p for p in op.get("parameters", [])}
            for k, v in (args or {}).items():
                self.assertIn(k, declared, f"{name}: parameter {k} is not in the document")
                jsonschema.validate(str(v), declared[k]["schema"])
            if args:
                url += "?" + urllib.parse.urlencode(args)
        else:
            body = args or {}
            jsonschema.validate(body, op["requestBody"]["content"]["application/json"]["schema"])
            data = json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", "Bearer " + (token or self.token))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=CTX, timeout=20) as r:
                status, text = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read()
        body = json.loads(text)
        self.assertIn(str(status), op["responses"], f"{method} {name}: {status} is not in the document")
        schema = op["responses"][str(status)]["content"]["application/json"]["schema"]
        resolver = jsonschema.RefResolver.from_schema(self.doc)
        jsonschema.validate(body, schema, resolver=resolver)
        return status, body

    def test_the_document(self):
        self.assertEqual(self.status, 200)
        self.assertEqual(self.doc["openapi"], "3.0.3")
        paths = self.doc["paths"]
        # Every command the API serves, each with one method by its effect; none of mgmtd's own.
        self.assertIn("get", paths["/api/v1/tenant-list"])
        self.assertIn("post", paths["/api/v1/tenant-add"])
        self.assertIn("get", paths["/api/v1/customer-list"])
        self.assertIn("post", paths["/api/v1/customer-add"])
        for own in ("status", "shutdown", "call"):
            self.assertNotIn("/api/v1/" + own, paths)
        # Arguments with their types and limits from the specs.
        params = {p["name"]: p for p in paths["/api/v1/customer-list"]["get"]["parameters"]}
        self.assertIn("1..1000", params["limit"]["schema"]["description"])
        self.assertEqual(params["search"]["schema"]["maxLength"], 256)
        body = paths["/api/v1/customer-add"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        self.assertEqual(body["properties"]["name"]["maxLength"], 128)
        self.assertIn("name", body["required"])
        self.assertFalse(body["additionalProperties"])
        sub = paths["/api/v1/subscriber-add"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        self.assertEqual(sub["properties"]["password"]["format"], "password")
        # Every response schema reference resolves, and the document is a valid JSON Schema world.
        for path, ops in paths.items():
            for method, op in ops.items():
                for status, resp in op["responses"].items():
                    ref = resp["content"]["application/json"]["schema"].get("$ref")
                    if ref:
                        self.assertIn(ref.split("/")[-1], self.doc["components"]["schemas"], f"{path} {status}")
        for schema in self.doc["components"]["schemas"].values():
            jsonschema.Draft7Validator.check_schema(schema)

    def test_real_answers_match_the_document(self):
        status, body = self.call("POST", "tenant-add", {"name": "acme", "tier": "basic"})
        self.assertEqual(status, 200)
        self.assertEqual(body["data"]["name"], "acme")
        self.assertEqual(self.call("GET", "tenant-list")[0], 200)
        self.assertEqual(self.call("GET", "tenant-show", {"tenant": "acme"})[0], 200)
        self.assertEqual(self.call("POST", "plan-add", {"tenant": "acme", "name": "p", "down": "10M", "up": "2M"})[0], 200)
        self.assertEqual(self.call("GET", "plan-list", {"tenant": "acme"})[0], 200)
        status, body = self.call("POST", "customer-add", {"tenant": "acme", "name": "Ana", "email": "ana@example.com",
                                                          "tags": ["vip", "fiber"]})
        self.assertEqual(status, 200, body)
        status, body = self.call("GET", "customer-list", {"tenant": "acme", "search": "ana", "limit": 10})
        self.assertEqual(status, 200)
        self.assertEqual([c["name"] for c in body["data"]["customers"]], ["Ana"])
        self.assertEqual(self.call("GET", "device-list", {"tenant": "acme"})[0], 200)
        self.assertEqual(self.call("GET", "token-list")[0], 200)
        # Refusals have the document's shape and status too.
        status, body = self.call("POST", "customer-add", {"tenant": "acme", "name": "Bad", "email": "nope"})
        self.assertEqual(status, 400)
        self.assertTrue(body["error"].startswith("email: "), body)
        self.assertEqual(body["code"], "invalid-argument")
        status, body = self.call("GET", "customer-show", {"tenant": "acme", "id": "cu-000000000000"})
        self.assertEqual(status, 404)
        self.assertEqual(body["code"], "not-found")
        status, body = self.call("GET", "customer-list", {"tenant": "acme", "limit": 5000})
        self.assertEqual(status, 400)  # out of the declared range: the table says so
        self.assertIn("limit", body["error"])
        status, body = self.call("GET", "tenant-list", token="k-unknown.secret")
        self.assertEqual(status, 401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
