#!/usr/bin/python3
"""Issued invoices reach the customer as a PDF attachment (issue 24; ADR 0040): a real mgmtd with its
outbox pointed at a local SMTP sink (aiosmtpd). A billing run finalizes; mgmtd's invoice mailer renders
each invoice (cairo + pango) after the finalization and the outbox delivers a multipart/mixed mail with
application/pdf, which pdftotext (poppler-utils) reads back with the invoice's number, RF reference,
total in the tenant's currency and its branding. A customer without an email address gets no mail;
a later invoice is mailed once more, the first is not mailed again.

Environment: EDGE_BIN = the build's bin folder (set by edge_integration_test()).
"""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from edgelib import Mgmtd, TempDir  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402


def pdf_text(pdf_bytes, folder, name):
    path = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(pdf_bytes)
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True).stdout


def attachments(message):
    return [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]


class InvoiceMail(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir("invoice-mail-")
        cls.sink = SmtpSink().start()
        cls.mgmt = Mgmtd(os.path.join(cls.tmp.path, "mgmt"),
                         {"mail": {"smtp-url": cls.sink.url, "from": "billing@platform.example"}}).start()
        m = cls.mgmt
        m.ctl("tenant", "add", "--name", "harbour", "--tier", "basic")
        m.ctl("branding", "set", "--tenant", "harbour", "--display-name", "Harbour Net",
              "--primary-colour", "#0b6e4f")
        m.ctl("billing", "setup", "--tenant", "harbour", "--currency", "EUR", "--payment-days", "14")
        m.ctl("tax-rate", "set", "--tenant", "harbour", "--rate", "20")
        m.ctl("plan", "add", "--tenant", "harbour", "--name", "home", "--down", "20M", "--up", "5M",
              "--price", "19.99", "--currency", "EUR")
        for user in ("ana", "bob"):
            m.ctl("subscriber", "add", "--tenant", "harbour", "--username", user, "--password", "pw-" + user,
                  "--plan", "home")
            m.ctl("subscription", "add", "--tenant", "harbour", "--username", user, "--plan", "home",
                  "--start", "2026-01-01", "--anchor-day", "1")
        m.ctl("customer", "add", "--tenant", "harbour", "--name", "Ana Silva", "--email", "ana@example.com",
              "--address", "12 Quay Street", "--username", "ana")
        m.ctl("customer", "add", "--tenant", "harbour", "--name", "Bob No-Mail", "--username", "bob")

    @classmethod
    def tearDownClass(cls):
        cls.mgmt.stop()
        cls.sink.stop()
        cls.tmp.cleanup()

    def invoices_of(self, user):
        listed = self.mgmt.ctl_json("invoice", "list", "--tenant", "harbour", "--username", user)
        return listed["invoices"] if isinstance(listed, dict) else listed

    def test_finalized_invoices_are_mailed_as_pdf_once(self):
        m = self.mgmt
        m.ctl("billing", "run", "--tenant", "harbour", "--date", "2026-01-01", "--finalize", "true")
        [ana_invoice] = self.invoices_of("ana")
        self.assertEqual("issued", ana_invoice["status"])
        number = ana_invoice["number"]
        mail = self.sink.wait_for(lambda x: x["To"] == "ana@example.com")[0]
        self.assertEqual(f"Invoice {number} from Harbour Net", mail["Subject"])
        self.assertEqual("multipart/mixed", mail.get_content_type())
        [pdf] = attachments(mail)
        self.assertEqual(f"invoice-{number}.pdf", pdf.get_filename())
        body = pdf.get_content()
        self.assertTrue(body.startswith(b"%PDF-"))
        text = pdf_text(body, self.tmp.path, "first.pdf")
        self.assertIn(f"Invoice {number}", text)
        self.assertIn("Harbour Net", text)
        self.assertIn("Ana Silva", text)
        self.assertIn(ana_invoice["reference"], text)
        self.assertIn("23.99 EUR", text)      # 19.99 + 20 % tax
        self.assertIn(ana_invoice["total"] + " EUR", text)
        plain = mail.get_body(preferencelist=("plain",)).get_content()
        self.assertIn(ana_invoice["reference"], plain)
        self.assertIn("/selfcare/harbour/", plain)

        # A one-time charge on ana's next invoice: mailed too, and the first invoice is not mailed again.
        m.ctl("charge", "add", "--tenant", "harbour", "--username", "ana", "--description", "router",
              "--amount", "35.00", "--date", "2026-01-05")
        m.ctl("billing", "run", "--tenant", "harbour", "--date", "2026-01-05", "--finalize", "true")
        second = [i for i in self.invoices_of("ana") if i["number"] != number]
        self.assertEqual(1, len(second))
        mails = self.sink.wait_for(lambda x: x["To"] == "ana@example.com", count=2)
        subjects = sorted(x["Subject"] for x in mails)
        self.assertEqual(sorted([f"Invoice {number} from Harbour Net",
                                 f"Invoice {second[0]['number']} from Harbour Net"]), subjects)
        text = pdf_text(attachments([x for x in mails if str(second[0]["number"]) in x["Subject"]][0])[0].get_content(),
                        self.tmp.path, "second.pdf")
        self.assertIn("router", text)
        self.assertIn("42.00 EUR", text)  # 35.00 + 20 %

        # bob has no email: his invoice is issued and nobody is mailed for it.
        self.assertEqual(1, len(self.invoices_of("bob")))
        self.assertEqual({"ana@example.com"}, {x["To"] for x in self.sink.received()})


if __name__ == "__main__":
    unittest.main()
