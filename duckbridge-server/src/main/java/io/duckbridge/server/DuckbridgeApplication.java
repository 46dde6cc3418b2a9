package io.duckbridge.server;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The standalone Duckbridge service: the starter's auto-configuration plus demo mode. */
@SpringBootApplication
public class DuckbridgeApplication {}
