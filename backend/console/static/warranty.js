// A product's warranty in words, shared by the customer page's products (their warranty today)
// and the ticket page's product (its warranty the day the ticket was created): a badge for the
// coverage, and the lines with the dates it changes (whole unit until…, main parts (which)
// until…, expired on…, unknown), plus the 三包 return and exchange windows still open.
"use strict";

const Warranty = (() => {
  const {el, label} = Console;
  const UNKNOWN = "保修未知：填写购买日期后计算 Unknown until a purchase date is given";

  function badge(w) {
    return el("span", {class: `badge coverage ${w.coverage}`, text: label("coverage", w.coverage)});
  }

  // `today`: the backend's day, for the return and exchange windows (left out without it);
  // `unknown`: what to say when there is no purchase date to count from.
  function lines(w, {today = null, unknown = UNKNOWN} = {}) {
    const parts = w.main_parts && w.main_parts.length ? w.main_parts.join("、") : "主要部件";
    const main = w.main_parts_until ? `主要部件（${parts}）保修至 ${w.main_parts_until} Main parts (${parts}) until ${w.main_parts_until}` : null;
    const out = [];
    if (w.coverage === "whole_unit") {
      out.push(`整机保修至 ${w.whole_unit_until} Whole unit until ${w.whole_unit_until}`);
      if (main) out.push(`之后${main}`);
    } else if (w.coverage === "main_parts_only") {
      out.push(`整机保修已于 ${w.whole_unit_until} 结束 Whole unit ended ${w.whole_unit_until}`);
      out.push(main || "");
    } else if (w.coverage === "expired") {
      const last = w.main_parts_until || w.whole_unit_until;
      out.push(`已于 ${last} 过保 Expired on ${last} (整机 whole unit ${w.whole_unit_until}${w.main_parts_until ? `，主要部件 main parts ${w.main_parts_until}` : ""})`);
    } else {
      out.push(unknown);
    }
    if (today && w.return_until && w.return_until >= today) out.push(`三包：可退货至 ${w.return_until} Return until ${w.return_until}`);
    if (today && w.exchange_until && w.exchange_until >= today) out.push(`三包：可换货至 ${w.exchange_until} Exchange until ${w.exchange_until}`);
    return out.filter(Boolean);
  }

  return {badge, lines};
})();
