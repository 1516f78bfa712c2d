/* Permalinks, progressively enhanced. Pages work without this file:
 *  - "Link to this quote": select words inside one turn's text (mouse, touch or keyboard) and a
 *    small popover offers a link to exactly that passage, /q/<key>/?s=<start>-<end>&h=<hash>.
 *  - Copy buttons for the share link and the citations (the text is on the page regardless).
 *  - A highlighted passage on a quote page is scrolled into view.
 *
 * Offsets and the fingerprint are defined in interviews/quotes/spans.py and must agree with it:
 * offsets count code points of the stored text (JavaScript strings count UTF-16 units, so an
 * emoji is converted from 2 to 1), paragraphs are the page's <p data-offset> elements, and the
 * text between two paragraphs is "\n\n".
 */
(function () {
  "use strict";

  var MOD = 2147483647; // 2^31 - 1
  var BASE = 1000003; // h * BASE + code point < 2^53: exact in a JavaScript number
  var SEPARATOR = "\n\n";

  function fingerprint(text) {
    var h = 0;
    for (var ch of text) {
      h = (h * BASE + ch.codePointAt(0)) % MOD;
    }
    return h.toString(36);
  }

  function codePointLength(text) {
    return Array.from(text).length;
  }

  function isSpace(ch) {
    return /\s/.test(ch);
  }

  function textBetween(startNode, startOffset, endNode, endOffset) {
    var range = document.createRange();
    range.setStart(startNode, startOffset);
    range.setEnd(endNode, endOffset);
    return range.toString();
  }

  // The passage of `container` that `range` covers: {start, end, text} in code points, or null.
  function passageOf(container, range) {
    var pieces = [];
    container.querySelectorAll("p[data-offset]").forEach(function (p) {
      if (!range.intersectsNode(p)) return;
      var chars = Array.from(p.textContent);
      var from = p.contains(range.startContainer)
        ? codePointLength(textBetween(p, 0, range.startContainer, range.startOffset))
        : 0;
      var to = p.contains(range.endContainer)
        ? codePointLength(textBetween(p, 0, range.endContainer, range.endOffset))
        : chars.length;
      pieces.push({ offset: Number(p.dataset.offset), chars: chars, from: from, to: Math.max(from, to) });
    });
    // Trim whitespace (and paragraphs the selection only touches) at both ends.
    while (pieces.length) {
      var first = pieces[0];
      while (first.from < first.to && isSpace(first.chars[first.from])) first.from++;
      if (first.from < first.to) break;
      pieces.shift();
    }
    while (pieces.length) {
      var last = pieces[pieces.length - 1];
      while (last.to > last.from && isSpace(last.chars[last.to - 1])) last.to--;
      if (last.to > last.from) break;
      pieces.pop();
    }
    if (!pieces.length) return null;
    var text = pieces
      .map(function (piece) {
        return piece.chars.slice(piece.from, piece.to).join("");
      })
      .join(SEPARATOR);
    var start = pieces[0].offset + pieces[0].from;
    var end = pieces[pieces.length - 1].offset + pieces[pieces.length - 1].to;
    if (end - start !== codePointLength(text)) return null; // the page does not match its offsets
    var paragraphs = container.querySelectorAll("p[data-offset]");
    var lastParagraph = paragraphs[paragraphs.length - 1];
    var total = Number(lastParagraph.dataset.offset) + codePointLength(lastParagraph.textContent);
    return { start: start, end: end, text: text, whole: start === 0 && end === total };
  }

  function containerOf(node) {
    var element = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
    return element ? element.closest("[data-quote-text]") : null;
  }

  function squash(text) {
    return text.replace(/\s+/g, "");
  }

  // The selected passage if the selection lies inside one turn's text, else null.
  function selectedPassage() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    var container = containerOf(range.startContainer) || containerOf(range.endContainer);
    if (!container) return null;
    // A triple click selects up to the start of the next block: clip to this turn's text, and
    // refuse if anything but whitespace was selected outside it.
    var inside = document.createRange();
    inside.selectNodeContents(container);
    var clipped = range.cloneRange();
    if (clipped.compareBoundaryPoints(Range.START_TO_START, inside) < 0) {
      clipped.setStart(inside.startContainer, inside.startOffset);
    }
    if (clipped.compareBoundaryPoints(Range.END_TO_END, inside) > 0) {
      clipped.setEnd(inside.endContainer, inside.endOffset);
    }
    if (squash(range.toString()) !== squash(clipped.toString())) return null;
    var passage = passageOf(container, clipped);
    if (!passage) return null;
    var url = new URL(container.dataset.permalink, window.location.href);
    url.search = "";
    url.hash = "";
    if (!passage.whole) {
      url.searchParams.set("s", passage.start + "-" + passage.end);
      url.searchParams.set("h", fingerprint(passage.text));
    }
    passage.url = url.href;
    passage.container = container;
    passage.range = clipped;
    return passage;
  }

  // --- Copying ------------------------------------------------------------------------------

  function copyText(text, fallbackElement) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var field = fallbackElement;
      if (!field || field.tagName !== "INPUT") {
        field = document.createElement("textarea");
        field.value = text;
        field.setAttribute("readonly", "");
        field.className = "visually-hidden";
        document.body.appendChild(field);
      }
      field.select();
      var ok = document.execCommand && document.execCommand("copy");
      if (field !== fallbackElement) field.remove();
      (ok ? resolve : reject)();
    });
  }

  function announce(button, message) {
    var status = button.nextElementSibling;
    if (!status || !status.classList.contains("copy-status")) {
      status = document.createElement("span");
      status.className = "copy-status";
      status.setAttribute("role", "status");
      button.insertAdjacentElement("afterend", status);
    }
    status.textContent = message;
    window.clearTimeout(button._copyTimer);
    button._copyTimer = window.setTimeout(function () {
      status.textContent = "";
    }, 2500);
  }

  // The words this script adds, in the interface language: base.html renders them into data-text-*
  // attributes of <body> (translated there like every other string); English if one is missing.
  function text(name, fallback) {
    var key = "text" + name.charAt(0).toUpperCase() + name.slice(1);
    return document.body.dataset[key] || fallback;
  }

  function enableCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.dataset.copy);
      if (!source) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var value = source.tagName === "INPUT" ? source.value : source.textContent;
        copyText(value, source).then(
          function () {
            announce(button, text("copied", "Copied"));
          },
          function () {
            announce(button, text("copyKeys", "Press Ctrl+C (⌘C) to copy"));
            if (source.select) source.select();
          }
        );
      });
    });
    document.querySelectorAll("input.copy-source").forEach(function (input) {
      input.addEventListener("focus", function () {
        input.select();
      });
    });
  }

  // --- The popover --------------------------------------------------------------------------

  var popover = null;
  var timer = null;

  function hidePopover() {
    if (popover) {
      popover.remove();
      popover = null;
    }
  }

  function showPopover(passage) {
    hidePopover();
    var box = document.createElement("div");
    box.className = "quote-popover";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", text("selectedPassage", "Selected passage"));
    box.dataset.url = passage.url;

    var link = document.createElement("a");
    link.className = "quote-popover-link";
    link.href = passage.url;
    link.textContent = text("linkQuote", "Link to this quote");

    var copy = document.createElement("button");
    copy.type = "button";
    copy.className = "quote-popover-copy";
    copy.textContent = text("copyLink", "Copy link");
    copy.addEventListener("click", function () {
      copyText(passage.url).then(
        function () {
          announce(copy, text("copied", "Copied"));
        },
        function () {
          announce(copy, text("copyFailed", "Copy failed: use the link"));
        }
      );
    });

    box.append(link, " ", copy);
    // Clicking inside the popover must not clear the selection it is about.
    box.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        hidePopover();
      }
    });

    // Right after the turn's text, so Tab from the selection reaches it next.
    passage.container.insertAdjacentElement("afterend", box);
    var rects = passage.range.getClientRects();
    var anchor = rects.length ? rects[rects.length - 1] : passage.range.getBoundingClientRect();
    var parent = (box.offsetParent || document.body).getBoundingClientRect();
    var left = Math.min(anchor.left - parent.left, parent.width - box.offsetWidth);
    box.style.left = Math.max(0, left) + "px";
    box.style.top = anchor.bottom - parent.top + 6 + "px";
    popover = box;
  }

  function update() {
    var passage = selectedPassage();
    if (!passage) {
      // Keep it while the keyboard is in it (focusing a link may collapse the selection).
      if (popover && popover.contains(document.activeElement)) return;
      hidePopover();
      return;
    }
    if (popover && popover.dataset.url === passage.url && popover.isConnected) return;
    showPopover(passage);
  }

  function scheduleUpdate() {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 120);
  }

  function init() {
    enableCopyButtons();
    if (document.querySelector("[data-quote-text]")) {
      document.addEventListener("selectionchange", scheduleUpdate);
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape") hidePopover();
        // Tab after selecting goes to the popover, which sits right after the selection. The
        // browser would start from the focused element instead, if one kept focus through the
        // selection (a link the selection began on, or <main> after the skip link).
        var plainTab = event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
        if (plainTab && popover && !popover.contains(document.activeElement)) {
          event.preventDefault();
          popover.querySelector("a").focus();
        }
      });
    }
    var mark = document.querySelector(".quote-text mark");
    if (mark) mark.scrollIntoView({ block: "center" });
  }

  window.archivePermalinks = { fingerprint: fingerprint, selectedPassage: selectedPassage };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
