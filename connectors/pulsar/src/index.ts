// @tributary/connector-pulsar: the Pulsar source (src/source/) and sink (src/sink/) on
// @tributary/pulsar-client. Each side exports its public API from its own index.
export {};
