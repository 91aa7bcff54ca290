// The recruiter page: suggest skills, search candidates, match a job, show the evidence.
// Plain DOM (textContent only, never innerHTML) so nothing from the API is read as markup,
// and no inline handlers so the page runs under "default-src 'self'".
"use strict";

(function () {
  const KEY_STORAGE = "credmatch.apiKey";
  const SUGGEST_DELAY_MS = 200;
  const DEFAULT_PAGE_SIZE = 20;
  const METHOD_WORDS = {
    id: "by id",
    uri: "by URI",
    "label:exact": "exact label",
    "label:prefix": "label prefix",
    "label:contains": "label contains",
    "label:words": "label words",
    "label:corrected": "corrected",
    "label:fuzzy": "similar label",
    semantic: "similar meaning",
  };

  const $ = (id) => document.getElementById(id);
  const form = $("search-form");
  const keyInput = $("api-key");
  const skillInput = $("skill-input");
  const suggestionList = $("suggestions");
  const chipList = $("chips");
  const strength = $("min-strength");
  const strengthOut = $("min-strength-value");
  const errorBox = $("error");
  const statusLine = $("status");
  const resolvedList = $("resolved");
  const candidateList = $("candidates");
  const loadMore = $("load-more");

  // Chosen skills: what is sent (a skill id, or the text as typed) and what is shown.
  const chosen = [];
  let suggestions = [];
  let active = -1;
  let suggestTimer = 0;
  let suggestAbort = null;
  let lastQuery = null;
  let shown = 0;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function number(value, significant) {
    // <data> keeps the exact value machine-readable beside the rounded text: two decimals,
    // or ``significant`` digits for values that may be small (weights).
    const shown = significant ? Number(value).toPrecision(significant) : Number(value).toFixed(2);
    const node = el("data", "number", shown);
    node.value = String(value);
    return node;
  }

  function date(iso) {
    if (!iso) return el("span", "muted", "no date");
    const node = el("time", null, iso.slice(0, 10));
    node.dateTime = iso;
    return node;
  }

  function apiKey() {
    return keyInput.value.trim();
  }

  async function api(path, init) {
    const headers = Object.assign({ Accept: "application/json" }, (init && init.headers) || {});
    headers.Authorization = "Bearer " + apiKey();
    const response = await fetch(path, Object.assign({}, init, { headers }));
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : { detail: await response.text() };
    if (!response.ok) {
      const problem = Object.assign({ status: response.status, title: response.statusText }, body);
      throw Object.assign(new Error(problem.title), { problem });
    }
    return body;
  }

  // --- API key -------------------------------------------------------------------------

  keyInput.value = sessionStorage.getItem(KEY_STORAGE) || "";
  keyInput.addEventListener("input", () => {
    sessionStorage.setItem(KEY_STORAGE, keyInput.value.trim());
  });

  // --- chosen skills ---------------------------------------------------------------------

  function renderChips() {
    chipList.replaceChildren();
    chosen.forEach((skill, index) => {
      const item = el("li", "chip");
      item.dataset.value = skill.value;
      item.append(el("span", "chip-label", skill.label));
      const remove = el("button", "chip-remove", "×");
      remove.type = "button";
      remove.setAttribute("aria-label", "Remove " + skill.label);
      remove.addEventListener("click", () => {
        chosen.splice(index, 1);
        renderChips();
        skillInput.focus();
      });
      item.append(remove);
      chipList.append(item);
    });
  }

  function choose(value, label) {
    const clean = value.trim();
    if (!clean || chosen.some((s) => s.value === clean)) return;
    chosen.push({ value: clean, label: label || clean });
    renderChips();
  }

  // --- suggestions (ARIA combobox with a listbox popup) -------------------------------------

  function closeSuggestions() {
    suggestions = [];
    active = -1;
    suggestionList.replaceChildren();
    suggestionList.hidden = true;
    skillInput.setAttribute("aria-expanded", "false");
    skillInput.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    Array.from(suggestionList.children).forEach((option, i) => {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) skillInput.setAttribute("aria-activedescendant", "suggestion-" + index);
    else skillInput.removeAttribute("aria-activedescendant");
  }

  function pick(index) {
    const hit = suggestions[index];
    choose(hit.skill.id || hit.skill.uri, hit.skill.label);
    skillInput.value = "";
    closeSuggestions();
  }

  function showSuggestions(results) {
    suggestions = results;
    suggestionList.replaceChildren();
    results.forEach((hit, index) => {
      const option = el("li", "suggestion");
      option.id = "suggestion-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.append(el("span", null, hit.skill.label));
      if (hit.matchedLabel && hit.matchedLabel !== hit.skill.label) {
        option.append(el("span", "muted", " (" + hit.matchedLabel + ")"));
      }
      // mousedown, not click: it fires before the input's blur closes the list.
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(index);
      });
      suggestionList.append(option);
    });
    suggestionList.hidden = results.length === 0;
    skillInput.setAttribute("aria-expanded", results.length ? "true" : "false");
    active = -1;
  }

  async function suggest(text) {
    if (suggestAbort) suggestAbort.abort();
    if (!text || !apiKey()) {
      closeSuggestions();
      return;
    }
    suggestAbort = new AbortController();
    try {
      const params = new URLSearchParams({ q: text, limit: "8" });
      const body = await api("/v1/skills?" + params, { signal: suggestAbort.signal });
      // The answer may come after the text changed or the field was left: then it is stale.
      if (skillInput.value.trim() === text && document.activeElement === skillInput) {
        showSuggestions(body.results || []);
      }
    } catch (error) {
      // Suggestions are a convenience: a failure here must not hide the search form's errors.
      if (error.name !== "AbortError") closeSuggestions();
    }
  }

  skillInput.addEventListener("input", () => {
    clearTimeout(suggestTimer);
    const text = skillInput.value.trim();
    suggestTimer = setTimeout(() => suggest(text), SUGGEST_DELAY_MS);
  });

  skillInput.addEventListener("keydown", (event) => {
    const open = !suggestionList.hidden && suggestions.length > 0;
    if (event.key === "ArrowDown" && open) {
      event.preventDefault();
      highlight((active + 1) % suggestions.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(active <= 0 ? suggestions.length - 1 : active - 1);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      closeSuggestions();
    } else if (event.key === "Enter" || event.key === "," || event.key === "Tab") {
      if (open && active >= 0) {
        event.preventDefault();
        pick(active);
      } else if (skillInput.value.trim() && event.key !== "Tab") {
        event.preventDefault();
        clearTimeout(suggestTimer);
        choose(skillInput.value);
        skillInput.value = "";
        closeSuggestions();
      }
    } else if (event.key === "Backspace" && !skillInput.value && chosen.length) {
      chosen.pop();
      renderChips();
    }
  });

  skillInput.addEventListener("blur", () => closeSuggestions());

  // --- search ------------------------------------------------------------------------------

  strength.addEventListener("input", () => {
    strengthOut.textContent = Number(strength.value).toFixed(2);
  });

  function showProblem(error) {
    showProblemIn(errorBox, error);
  }

  function showProblemIn(box, error) {
    const problem = error.problem || { title: "Network error", detail: String(error.message) };
    box.replaceChildren();
    const heading = el("p", "problem-title", problem.title || "Error");
    if (problem.status) heading.append(el("span", "problem-status", " (" + problem.status + ")"));
    box.append(heading);
    if (problem.detail) box.append(el("p", "problem-detail", problem.detail));
    if (Array.isArray(problem.unresolved) && problem.unresolved.length) {
      box.append(el("p", null, "Not found in the taxonomy: " + problem.unresolved.join(", ")));
    }
    if (Array.isArray(problem.errors)) {
      const list = el("ul");
      problem.errors.forEach((item) => {
        const where = item.key ? item.key + ": " : "";
        list.append(el("li", null, where + (item.message || JSON.stringify(item))));
      });
      box.append(list);
    }
    if (problem.type) box.append(el("p", "muted problem-type", problem.type));
    box.hidden = false;
  }

  function clearProblem() {
    errorBox.hidden = true;
    errorBox.replaceChildren();
  }

  function labelFor(given) {
    const skill = chosen.find((s) => s.value === given);
    return skill ? skill.label : given;
  }

  function renderResolved(resolved) {
    resolvedList.replaceChildren();
    resolved.forEach((entry) => {
      const item = el("li", "resolution");
      item.dataset.given = entry.given;
      item.append(el("span", "given", labelFor(entry.given)), " → ");
      if (entry.skill) {
        item.append(el("span", "resolved-skill", entry.skill.label));
        item.append(", ", el("span", "method", METHOD_WORDS[entry.method] || entry.method));
      } else {
        item.append(el("span", "method unresolved", "not found"));
      }
      resolvedList.append(item);
    });
  }

  function renderCredential(proof) {
    const item = el("li", "credential");
    item.dataset.credentialId = String(proof.credentialId);
    item.append(el("span", "credential-name", proof.name));
    if (proof.achievement && proof.achievement !== proof.name) {
      item.append(el("span", "achievement muted", " — " + proof.achievement));
    }
    const facts = el("dl", "facts");
    const fact = (term, ...values) => {
      facts.append(el("dt", null, term));
      const dd = el("dd");
      dd.append(...values);
      facts.append(dd);
    };
    const issuer = el("span", "issuer-name", proof.issuer.name || proof.issuer.id);
    fact("Issuer", issuer, " ", el("code", "issuer-id", proof.issuer.id));
    fact("Issued", date(proof.validFrom));
    if (proof.validUntil) fact("Valid until", date(proof.validUntil));
    fact("Proof", el("span", "proof-types", (proof.proofTypes || []).join(", ") || "none"));
    const badges = el("span", "badges");
    badges.append(
      el("span", proof.verified ? "badge ok verified" : "badge bad verified",
        proof.verified ? "verified" : "not verified"),
      " ",
      el("span", "badge status status-" + proof.status, proof.status),
    );
    if (proof.issuerTrusted) badges.append(" ", el("span", "badge ok trusted", "trusted issuer"));
    fact("Checks", badges);
    fact("Mapping", el("span", "mapping", proof.method + " "), number(proof.confidence));
    item.append(facts);
    return item;
  }

  function renderCandidate(candidate) {
    const item = el("li", "candidate");
    item.dataset.candidateId = candidate.candidateId;
    const head = el("h3", "candidate-id", candidate.candidateId);
    const score = el("p", "score");
    score.append("Score ", number(candidate.score));
    if (candidate.latestCredentialAt) {
      score.append(" · latest credential ", date(candidate.latestCredentialAt));
    }
    item.append(head, score);
    const skills = el("ul", "held-skills");
    candidate.skills.forEach((held) => {
      const skillItem = el("li", "held-skill");
      skillItem.dataset.skillId = held.skill.id;
      const title = el("p", "held-title");
      title.append(el("span", "skill-label", held.skill.label), " · strength ");
      title.append(number(held.strength));
      const proofs = el("ul", "credentials");
      held.credentials.forEach((proof) => proofs.append(renderCredential(proof)));
      skillItem.append(title, proofs);
      skills.append(skillItem);
    });
    item.append(skills);
    return item;
  }

  function pageSize() {
    const size = Math.round(Number($("page-size").value));
    return size >= 1 && size <= 100 ? size : DEFAULT_PAGE_SIZE;
  }

  function query() {
    return {
      skills: chosen.map((s) => s.value),
      mode: form.querySelector("input[name=mode]:checked").value,
      minStrength: Number(strength.value),
      trustedIssuersOnly: $("trusted-only").checked,
      sort: $("sort").value,
      limit: pageSize(),
      cursor: null,
    };
  }

  async function search(body, append) {
    clearProblem();
    form.setAttribute("aria-busy", "true");
    loadMore.disabled = true;
    try {
      const page = await api("/v1/candidates/search", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!append) {
        candidateList.replaceChildren();
        shown = 0;
        renderResolved(page.resolved);
      }
      page.candidates.forEach((c) => candidateList.append(renderCandidate(c)));
      shown += page.candidates.length;
      const noun = page.total === 1 ? "candidate" : "candidates";
      statusLine.textContent = page.total
        ? `${page.total} ${noun} found, showing ${shown}.`
        : "No candidates found.";
      statusLine.dataset.total = String(page.total);
      lastQuery = Object.assign({}, body, { cursor: page.next });
      loadMore.hidden = !page.next;
    } catch (error) {
      showProblem(error);
      statusLine.textContent = "The search failed.";
    } finally {
      form.removeAttribute("aria-busy");
      loadMore.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (skillInput.value.trim()) {
      choose(skillInput.value);
      skillInput.value = "";
      closeSuggestions();
    }
    if (!apiKey()) {
      showProblem({ problem: { title: "API key needed", detail: "Enter your API key first." } });
      keyInput.focus();
      return;
    }
    if (!chosen.length) {
      showProblem({ problem: { title: "No skills", detail: "Add at least one skill." } });
      skillInput.focus();
      return;
    }
    search(query(), false);
  });

  loadMore.addEventListener("click", () => {
    if (lastQuery && lastQuery.cursor) search(lastQuery, true);
  });

  // --- match a job -------------------------------------------------------------------------

  const matchForm = $("match-form");
  const matchError = $("match-error");
  const matchStatus = $("match-status");
  const suggestedBox = $("match-suggestions");
  const readingList = $("readings");
  const confirmedList = $("confirmed");
  const requirementList = $("requirements");
  const rankedList = $("ranked");
  const SOURCE_WORDS = {
    explicit: "confirmed",
    text: "from the description",
    title: "from the title",
  };
  // Skills the user confirmed from the suggestions: sent as explicit must-have skills.
  const confirmed = [];

  function renderConfirmed() {
    confirmedList.replaceChildren();
    confirmed.forEach((skill, index) => {
      const item = el("li", "chip");
      item.dataset.uri = skill.uri;
      item.append(el("span", "chip-label", skill.label));
      const remove = el("button", "chip-remove", "×");
      remove.type = "button";
      remove.setAttribute("aria-label", "Remove " + skill.label);
      remove.addEventListener("click", () => {
        confirmed.splice(index, 1);
        renderConfirmed();
      });
      item.append(remove);
      confirmedList.append(item);
    });
  }

  function renderSuggestions(readings) {
    readingList.replaceChildren();
    readings.forEach((reading) => {
      const item = el("li", "reading");
      item.dataset.start = String(reading.start);
      item.append(el("p", "reading-phrase", "“" + reading.phrase + "”"));
      reading.skills.forEach((skill) => {
        const pick = el("button", "suggested-skill", skill.label + " ");
        pick.type = "button";
        pick.dataset.uri = skill.uri;
        pick.append(number(skill.confidence));
        pick.setAttribute("aria-label", "Confirm " + skill.label);
        pick.addEventListener("click", () => {
          if (!confirmed.some((c) => c.uri === skill.uri)) {
            confirmed.push({ uri: skill.uri, label: skill.label });
            renderConfirmed();
          }
          runMatch();
        });
        item.append(pick);
      });
      readingList.append(item);
    });
    suggestedBox.hidden = readings.length === 0;
  }

  function renderRequirements(requirements) {
    requirementList.replaceChildren();
    requirements.forEach((requirement) => {
      const item = el("li", "requirement");
      item.dataset.skillId = requirement.skill.id;
      item.dataset.source = requirement.source;
      if (requirement.phrase) {
        item.append(el("span", "phrase", "“" + requirement.phrase + "”"), " → ");
      }
      item.append(el("span", "skill-label", requirement.skill.label), " ");
      const strengthWord = requirement.strength === "must" ? "must" : "nice to have";
      const sourceWord = SOURCE_WORDS[requirement.source] || requirement.source;
      item.append(el("span", "strength", strengthWord), " ", el("span", "source", sourceWord));
      // What it counts for in the score: a skill few occupations list weighs more.
      const weight = el("span", "weight", " · weight ");
      weight.append(number(requirement.weight, 2));
      item.append(weight);
      requirementList.append(item);
    });
  }

  function renderRanked(ranked) {
    const item = el("li", "candidate");
    item.dataset.candidateId = ranked.candidateId;
    const score = el("p", "score");
    score.append("Score ", number(ranked.score));
    item.append(el("h3", "candidate-id", ranked.candidateId), score);
    const matched = el("ul", "matched");
    ranked.matched.forEach((match) => {
      const line = el("li", "match");
      line.dataset.skillId = match.required.id;
      line.append(el("span", "skill-label", match.required.label));
      if (match.matchedSkill.id !== match.required.id) {
        line.append(" via ", el("span", "matched-skill", match.matchedSkill.label));
      }
      line.append(" · proved by ");
      line.append(el("span", "credential-names", match.credentials.map((c) => c.name).join(", ")));
      matched.append(line);
    });
    const missing = el("ul", "missing");
    ranked.missing.forEach((gap) => {
      const line = el("li", "gap", "missing: " + gap.skill.label);
      line.dataset.skillId = gap.skill.id;
      missing.append(line);
    });
    item.append(matched, missing);
    return item;
  }

  async function runMatch() {
    matchError.hidden = true;
    matchError.replaceChildren();
    if (!apiKey()) {
      const detail = "Enter your API key first.";
      showProblemIn(matchError, { problem: { title: "API key needed", detail } });
      keyInput.focus();
      return;
    }
    matchForm.setAttribute("aria-busy", "true");
    const body = {
      title: $("job-title").value,
      description: $("job-description").value,
      skills: confirmed.map((skill) => ({ uri: skill.uri, mustHave: true })),
      topK: 10,
    };
    try {
      const result = await api("/v1/match", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      renderSuggestions([]);
      renderRequirements(result.requirements);
      rankedList.replaceChildren(...result.candidates.map(renderRanked));
      const noun = result.total === 1 ? "candidate" : "candidates";
      matchStatus.textContent = result.total
        ? `${result.total} ${noun} ranked, showing ${result.candidates.length}.`
        : "No candidate holds verified evidence of these requirements.";
      matchStatus.dataset.total = String(result.total);
    } catch (error) {
      requirementList.replaceChildren();
      rankedList.replaceChildren();
      matchStatus.textContent = "The match failed.";
      showProblemIn(matchError, error);
      const readings = (error.problem && error.problem.suggestions) || [];
      renderSuggestions(readings);
    } finally {
      matchForm.removeAttribute("aria-busy");
    }
  }

  matchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    runMatch();
  });
})();
