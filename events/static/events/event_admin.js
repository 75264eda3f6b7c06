// The event form's coding aids (loaded by EventAdmin.Media; no inline script under the CSP).
// - The sub-event type select offers only the sub-types of the chosen event type; the types
//   come from the vocabulary, in the event type select's data-sub-event-types attribute. The
//   server still refuses a pair that does not belong.
// - Picking an actor in an actor row fills that row's inter code with the actor's kind (sent
//   with each autocomplete result); the coder may still change it (state forces abroad are 8).
"use strict";
(function () {
  function dependentSubEventTypes() {
    const eventType = document.getElementById("id_event_type");
    const subType = document.getElementById("id_sub_event_type");
    if (!eventType || !subType || !eventType.dataset.subEventTypes) {
      return;
    }
    const byType = JSON.parse(eventType.dataset.subEventTypes);
    const everything = Array.from(subType.children, (node) => node.cloneNode(true));

    function option(value, label) {
      const node = document.createElement("option");
      node.value = value;
      node.textContent = label;
      return node;
    }

    function refresh() {
      const chosen = subType.value;
      const subs = byType[eventType.value];
      if (!subs) {
        subType.replaceChildren(...everything.map((node) => node.cloneNode(true)));
      } else {
        subType.replaceChildren(option("", "---------"), ...subs.map(([value, label]) => option(value, label)));
      }
      const kept = Array.from(subType.options).some((node) => node.value === chosen);
      subType.value = kept ? chosen : "";
    }

    eventType.addEventListener("change", refresh);
    refresh();
  }

  function interFromActor() {
    if (!window.django || !window.django.jQuery) {
      return;
    }
    // select2 announces a pick as a jQuery event; rows added later are covered by delegation.
    window.django.jQuery(document).on("select2:select", "select[name$='-actor']", function (event) {
      const kind = event.params && event.params.data ? event.params.data.kind : undefined;
      const inter = document.getElementById(this.id.replace(/-actor$/, "-inter"));
      if (kind !== undefined && inter) {
        inter.value = String(kind);
        inter.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function ready() {
    dependentSubEventTypes();
    interFromActor();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
