// Kept out of the page so that the page's CSP needs no 'unsafe-inline' script.
window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // The cookie session works from this page (same origin); try-it-out requests carry
  // it, and unsafe ones carry this origin, which the CSRF rule accepts.
  withCredentials: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
