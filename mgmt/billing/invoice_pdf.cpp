#include "mgmt/billing/invoice_pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <cctype>
#include <memory>

#include "billing/rating/rules.h"

namespace mgmt::billing {

namespace {

constexpr double kWidth = 595.28;   // A4 in points
constexpr double kHeight = 841.89;
constexpr double kMargin = 48;
constexpr double kLineHeight = 18;
constexpr double kTableBottom = kHeight - 150;  // room for totals and the footer on the last page

struct Rgb {
  double r, g, b;
};

Rgb colourOf(const std::string& hex, const std::string& fallback) {
  auto valid = [](const std::string& s) {
    if (s.size() != 7 || s[0] != '#') return false;
    for (size_t i = 1; i < 7; ++i)
      if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    return true;
  };
  const std::string& s = valid(hex) ? hex : fallback;
  auto byte = [&s](size_t at) { return std::stoi(s.substr(at, 2), nullptr, 16) / 255.0; };
  return Rgb{byte(1), byte(3), byte(5)};
}

// cairo's write callback: appends to the string (C callback: noexcept, catches everything).
cairo_status_t appendBytes(void* closure, const unsigned char* data, unsigned int length) noexcept {
  try {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
  } catch (...) {
    return CAIRO_STATUS_WRITE_ERROR;
  }
}

class Page {
 public:
  explicit Page(cairo_t* cr) : cr_(cr), layout_(pango_cairo_create_layout(cr)) {}
  ~Page() { g_object_unref(layout_); }
  Page(const Page&) = delete;
  Page& operator=(const Page&) = delete;

  enum class Align { kLeft, kRight };
  // One line of text in [x, x + width) at y, cut with an ellipsis when longer.
  void text(double x, double y, double width, const std::string& s, double size, bool bold, Align align,
            Rgb colour = Rgb{0.1, 0.1, 0.1}) {
    PangoFontDescription* font = pango_font_description_from_string("DejaVu Sans");
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout_, font);
    pango_font_description_free(font);
    pango_layout_set_width(layout_, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_ellipsize(layout_, PANGO_ELLIPSIZE_END);
    pango_layout_set_alignment(layout_, align == Align::kRight ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
    pango_layout_set_text(layout_, s.c_str(), static_cast<int>(s.size()));
    cairo_set_source_rgb(cr_, colour.r, colour.g, colour.b);
    cairo_move_to(cr_, x, y);
    pango_cairo_show_layout(cr_, layout_);
  }

  void rect(double x, double y, double w, double h, Rgb colour) {
    cairo_set_source_rgb(cr_, colour.r, colour.g, colour.b);
    cairo_rectangle(cr_, x, y, w, h);
    cairo_fill(cr_);
  }

 private:
  cairo_t* cr_;
  PangoLayout* layout_;
};

std::string money(int64_t minor, const std::string& currency) { return ::billing::formatMoney(minor, currency); }

}  // namespace

core::Result<std::string> renderInvoicePdf(const InvoiceDocument& doc) {
  std::string out;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(&appendBytes, &out, kWidth, kHeight);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
    std::string why = cairo_status_to_string(cairo_surface_status(surface));
    cairo_surface_destroy(surface);
    return core::internalError("invoice pdf: " + why);
  }
  const bool credit = doc.kind == "credit-note";
  const std::string title = (credit ? "Credit note " : "Invoice ") + std::to_string(doc.number);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, doc.brandName.c_str());
  cairo_t* cr = cairo_create(surface);
  const Rgb primary = colourOf(doc.primaryColour, "#1f4e79");
  const Rgb accent = colourOf(doc.accentColour, "#f0a030");
  const Rgb white{1, 1, 1}, grey{0.4, 0.4, 0.4};
  const double inner = kWidth - 2 * kMargin;
  using Align = Page::Align;
  {
    Page page(cr);
    size_t next = 0;  // the next invoice line to draw
    int pageNo = 1;
    double y = 0;
    while (true) {
      // The band with the brand and the title, on every page.
      page.rect(0, 0, kWidth, 80, primary);
      page.rect(0, 80, kWidth, 4, accent);
      page.text(kMargin, 26, inner * 0.6, doc.brandName, 20, true, Align::kLeft, white);
      page.text(kMargin + inner * 0.6, 30, inner * 0.4, title, 16, true, Align::kRight, white);
      y = 104;
      if (pageNo == 1) {
        page.text(kMargin, y, inner * 0.5, "Bill to", 9, false, Align::kLeft, grey);
        double by = y + 14;
        for (const std::string& s : {doc.customerName, doc.customerAddress, doc.customerEmail,
                                     doc.username.empty() ? std::string() : "Account " + doc.username}) {
          if (s.empty()) continue;
          page.text(kMargin, by, inner * 0.5, s, 10, false, Align::kLeft);
          by += 14;
        }
        double ry = y;
        auto fact = [&](const std::string& label, const std::string& value) {
          if (value.empty()) return;
          page.text(kMargin + inner * 0.5, ry, inner * 0.2, label, 9, false, Align::kLeft, grey);
          page.text(kMargin + inner * 0.7, ry, inner * 0.3, value, 10, true, Align::kRight);
          ry += 14;
        };
        fact(credit ? "Credit note" : "Invoice number", std::to_string(doc.number));
        fact("Issued", doc.issued);
        if (!credit) fact("Due", doc.due);
        fact("Reference", doc.reference);
        if (credit && !doc.credits.empty()) fact("Reverses invoice", doc.credits);
        y = (by > ry ? by : ry) + 20;
      }
      // The table's head.
      page.text(kMargin, y, inner * 0.8, "Description", 9, true, Align::kLeft, grey);
      page.text(kMargin + inner * 0.8, y, inner * 0.2, "Amount", 9, true, Align::kRight, grey);
      y += 14;
      page.rect(kMargin, y, inner, 1.5, accent);
      y += 6;
      while (next < doc.lines.size() && y + kLineHeight <= kTableBottom) {
        const InvoiceDocument::Line& l = doc.lines[next++];
        page.text(kMargin, y, inner * 0.8 - 6, l.description, 10, false, Align::kLeft);
        page.text(kMargin + inner * 0.8, y, inner * 0.2, money(l.amount, doc.currency), 10, false, Align::kRight);
        y += kLineHeight;
      }
      if (next >= doc.lines.size()) break;
      page.text(kMargin, kHeight - 40, inner, "Continued on page " + std::to_string(pageNo + 1), 9, false,
                Align::kRight, grey);
      cairo_show_page(cr);
      ++pageNo;
    }
    // Totals.
    page.rect(kMargin, y + 2, inner, 0.8, grey);
    y += 10;
    auto total = [&](const std::string& label, int64_t amount, bool bold) {
      page.text(kMargin + inner * 0.4, y, inner * 0.4, label, 10, bold, Align::kLeft);
      page.text(kMargin + inner * 0.8, y, inner * 0.2, money(amount, doc.currency), 10, bold, Align::kRight);
      y += kLineHeight;
    };
    total("Net", doc.net, false);
    total(doc.taxLabel.empty() ? std::string("Tax") : doc.taxLabel, doc.tax, false);
    total("Total", doc.total, true);
    if (!credit) {
      if (doc.paid != 0) total("Paid", doc.paid, false);
      total("Left to pay", doc.total - doc.paid, true);
    }
    // The footer: how to pay.
    if (!credit && !doc.reference.empty()) {
      page.rect(kMargin, kHeight - 96, inner, 1.5, accent);
      page.text(kMargin, kHeight - 86, inner,
                "Please pay " + money(doc.total - doc.paid, doc.currency) + " by " + doc.due +
                    " quoting the creditor reference " + doc.reference + ".",
                10, false, Align::kLeft);
    }
    page.text(kMargin, kHeight - 40, inner, doc.brandName + " - all amounts in " + doc.currency, 8, false,
              Align::kLeft, grey);
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) return core::internalError(std::string("invoice pdf: ") + cairo_status_to_string(status));
  return out;
}

}  // namespace mgmt::billing
