/* Safe Harbor site script: quick exit, searches that leave no trace, scrollable tables.
 * Self-hosted and dependency-free; the site works without it (the exit link still leads away).
 * User-facing words live in the HTML the build renders (translatable there), not here. */
"use strict";
(() => {
  const HIGHLIGHT_KEY = "sphinx_highlight_terms"; // Sphinx's own key (sphinx_highlight.js)
  const PENDING_KEY = "sh-pending-search";

  /* --- Quick exit: the "Leave this site" control, or Escape pressed twice ----------------- */
  const exitLink = document.querySelector("[data-sh-quick-exit]");
  const leave = () => {
    if (!exitLink) return;
    try {
      sessionStorage.clear();
      localStorage.removeItem(HIGHLIGHT_KEY);
    } catch (error) {
      /* storage may be disabled: nothing was kept then */
    }
    document.documentElement.style.visibility = "hidden"; // hide the page at once
    document.title = "";
    // replace(): the neutral site takes this page's place in the tab's history
    window.location.replace(exitLink.href);
  };
  if (exitLink) {
    exitLink.addEventListener("click", (event) => {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      leave();
    });
    let lastEscape = 0;
    document.addEventListener(
      "keydown",
      (event) => {
        if (event.key !== "Escape") return;
        const now = Date.now();
        if (now - lastEscape < 1500) leave();
        lastEscape = now;
      },
      true,
    );
  }

  /* --- Search without a trace ----------------------------------------------------------- */
  // The search box's query goes to the search page in session storage (read and removed at
  // once), not in the address, so it never enters the browser's history.
  document.querySelectorAll("form[role=search]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const input = form.querySelector("input[name=q]");
      if (!input || !input.value.trim()) return;
      try {
        sessionStorage.setItem(PENDING_KEY, input.value);
      } catch (error) {
        return; // no storage: fall back to the address, which the search page then clears
      }
      event.preventDefault();
      window.location.assign(form.action.split("?")[0]);
    });
  });

  if (typeof Search !== "undefined") {
    let terms = "";
    // Sphinx keeps the highlight terms in local storage until a result is opened: keep them in
    // memory instead, and hand them over only at the moment a result is followed.
    const parse = Search._parseQuery;
    Search._parseQuery = (query) => {
      const parsed = parse(query);
      try {
        terms = localStorage.getItem(HIGHLIGHT_KEY) || "";
        localStorage.removeItem(HIGHLIGHT_KEY);
      } catch (error) {
        terms = "";
      }
      return parsed;
    };
    const handOver = (event) => {
      if (!terms || !event.target.closest || !event.target.closest("#search-results a")) return;
      try {
        localStorage.setItem(HIGHLIGHT_KEY, terms); // read and removed by the page opened
      } catch (error) {
        /* highlighting is optional */
      }
    };
    document.addEventListener("click", handOver, true);
    document.addEventListener("auxclick", handOver, true);

    // Previews come from the page's own text, without the site's controls around it.
    const toText = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".sh-chrome, .sh-downloads, h1").forEach((el) => el.remove());
      return toText(doc.documentElement.outerHTML, anchor);
    };

    // Read from disk (the offline copy), browsers refuse to fetch pages for previews: take the
    // page's text from _static/sh-previews.js instead, loaded only then.
    if (window.location.protocol === "file:") {
      const root = new URL(document.documentElement.dataset.content_root || "./", window.location.href);
      let previews = null;
      const loadPreviews = () => {
        previews = previews || new Promise((resolve) => {
          const script = document.createElement("script");
          script.src = new URL("_static/sh-previews.js", root).href;
          script.onload = () => resolve(window.SH_PREVIEWS || {});
          script.onerror = () => resolve({});
          document.body.appendChild(script);
        });
        return previews;
      };
      const pageFetch = window.fetch;
      window.fetch = (resource, options) => {
        const url = new URL(String(resource), window.location.href);
        if (url.protocol !== "file:" || !url.href.startsWith(root.href)) return pageFetch(resource, options);
        const docname = decodeURIComponent(url.pathname.slice(root.pathname.length)).replace(/\.html$/, "");
        return loadPreviews().then((texts) => {
          const main = document.createElement("div");
          main.setAttribute("role", "main");
          main.textContent = texts[docname] || "";
          return new Response(main.outerHTML, { headers: { "Content-Type": "text/html" } });
        });
      };
    }

    // Each page once: a later result for a page already listed (a glossary term on the
    // glossary page, say) is dropped.
    const results = document.getElementById("search-results");
    if (results) {
      new MutationObserver(() => {
        const seen = new Set();
        results.querySelectorAll("ul.search > li").forEach((item) => {
          const link = item.querySelector("a");
          if (!link) return;
          const page = link.href.split("#")[0];
          if (seen.has(page)) item.remove();
          else seen.add(page);
        });
      }).observe(results, { childList: true, subtree: true });
    }

    document.addEventListener("DOMContentLoaded", () => {
      // registered after Search.init, so it runs once the query has been read
      const url = new URL(window.location.href);
      if (url.searchParams.has("q")) {
        url.searchParams.delete("q");
        url.searchParams.delete("check_keywords");
        url.searchParams.delete("area");
        window.history.replaceState(null, "", url.pathname + url.search + url.hash);
        return;
      }
      let pending = null;
      try {
        pending = sessionStorage.getItem(PENDING_KEY);
        sessionStorage.removeItem(PENDING_KEY);
      } catch (error) {
        pending = null;
      }
      if (pending) {
        document.querySelectorAll("input[name=q]").forEach((el) => {
          el.value = pending;
        });
        Search.performSearch(pending);
      }
    });
  }

  /* --- Wide tables: a scrollable region can be reached and named ------------------------ */
  // Named after the table's caption, or else its column headings; each name is unique on the
  // page (landmarks must be told apart).
  const tableName = (wrapper) => {
    const caption = wrapper.querySelector("caption");
    if (caption) return caption.textContent.trim();
    const headings = [...wrapper.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    return headings.filter((h) => h).join(", ") || document.title;
  };
  const labelTables = () => {
    const used = new Set();
    document.querySelectorAll(".table-wrapper, .sh-scroll, pre").forEach((wrapper) => {
      const isPre = wrapper.tagName === "PRE";
      if (wrapper.scrollWidth <= wrapper.clientWidth + 1) {
        if (wrapper.dataset.shScroll) {
          ["tabindex", "role", "aria-label"].forEach((name) => wrapper.removeAttribute(name));
          delete wrapper.dataset.shScroll;
        }
        return;
      }
      wrapper.setAttribute("tabindex", "0");
      wrapper.dataset.shScroll = "1";
      if (isPre) return; // focusable is enough for a code block; it is not a landmark
      wrapper.setAttribute("role", "region");
      const base = tableName(wrapper);
      let name = base;
      for (let n = 2; used.has(name); n += 1) name = `${base} (${n})`;
      used.add(name);
      wrapper.setAttribute("aria-label", name);
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", labelTables);
  else labelTables();
  window.addEventListener("resize", labelTables);
})();
