package io.duckbridge.spring;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The smallest application using the starter, for the starter's own HTTP tests. */
@SpringBootApplication
public class TestApplication {}
