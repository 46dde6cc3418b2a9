# syntax=docker/dockerfile:1
# Duckbridge server image: build with the Maven wrapper on a JDK, run on a JRE as a non-root user.
#   docker build -t duckbridge .
#   docker run -p 8080:8080 -e DUCKBRIDGE_POSTGRES_URL=... -e DUCKBRIDGE_SECURITY_API_KEYS_0_NAME=... duckbridge
# See docs/operations.md ("Containers").

FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
# dependencies first, so source edits reuse the cached layer
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY duckbridge-core/pom.xml duckbridge-core/
COPY duckbridge-testing/pom.xml duckbridge-testing/
COPY duckbridge-spring-boot-starter/pom.xml duckbridge-spring-boot-starter/
COPY duckbridge-server/pom.xml duckbridge-server/
COPY duckbridge-benchmarks/pom.xml duckbridge-benchmarks/
RUN ./mvnw -B -q -pl duckbridge-server -am dependency:go-offline -DskipTests || true
COPY . .
RUN ./mvnw -B -q -pl duckbridge-server -am package -DskipTests -Dspotless.check.skip=true

FROM eclipse-temurin:21-jre AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 duckbridge \
    && useradd --system --uid 10001 --gid duckbridge --home-dir /var/lib/duckbridge --shell /usr/sbin/nologin duckbridge \
    && mkdir -p /var/lib/duckbridge/data /var/lib/duckbridge/tmp /var/lib/duckbridge/backups \
    && chown -R duckbridge:duckbridge /var/lib/duckbridge
COPY --from=build /src/duckbridge-server/target/duckbridge-server.jar /opt/duckbridge/duckbridge-server.jar

# Memory: the JVM heap and DuckDB share the container's limit. 25% heap + DUCKDB_MEMORY_LIMIT must leave
# room for metaspace, threads and native buffers (set DUCKDB_MEMORY_LIMIT to about 50% of the limit).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=25 -XX:+ExitOnOutOfMemoryError" \
    DUCKBRIDGE_DATA_DIR=/var/lib/duckbridge/data \
    DUCKBRIDGE_DUCKDB_TEMP_DIRECTORY=/var/lib/duckbridge/tmp \
    DUCKBRIDGE_BACKUP_DIRECTORY=/var/lib/duckbridge/backups \
    DUCKBRIDGE_DEMO_ENABLED=false \
    SERVER_ADDRESS=0.0.0.0 \
    SERVER_PORT=8080

USER 10001:10001
WORKDIR /var/lib/duckbridge
VOLUME ["/var/lib/duckbridge/data", "/var/lib/duckbridge/tmp", "/var/lib/duckbridge/backups"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/actuator/health/readiness || exit 1
# exec form: the JVM is PID 1 and receives SIGTERM, so graceful shutdown runs
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-jar", "/opt/duckbridge/duckbridge-server.jar"]
