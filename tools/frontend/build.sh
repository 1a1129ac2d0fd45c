#!/bin/sh
# Rebuild static/vendor/govuk-frontend from GOV.UK Frontend's Sass (needs node and npm).
set -eu
cd "$(dirname "$0")"
npm ci --no-fund --no-audit --ignore-scripts
node build.mjs
