// Vite's client types for asset imports such as `demo.wav?url`.
/// <reference types="vite/client" />
