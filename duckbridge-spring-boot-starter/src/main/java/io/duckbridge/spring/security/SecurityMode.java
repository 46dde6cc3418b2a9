package io.duckbridge.spring.security;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.springframework.core.env.Environment;

/**
 * How requests are authenticated, decided once at startup from the keys and the bind address.
 *
 * <ul>
 *   <li>{@link #API_KEYS}: keys are configured; every endpoint but health and the API docs needs one.
 *   <li>{@link #LOOPBACK_ONLY}: no keys, but {@code server.address} is a loopback address (demo, tests): only
 *       processes on this machine can connect, so requests are served without keys (logged as a warning).
 *   <li>{@link #DISABLED}: {@code duckbridge.security.enabled=false}; every endpoint is open (logged as a
 *       warning at each start).
 * </ul>
 *
 * Without keys on a non-loopback address the service refuses to start.
 */
public enum SecurityMode {
    API_KEYS,
    LOOPBACK_ONLY,
    DISABLED;

    /**
     * Decides the mode.
     *
     * @throws DuckbridgeException INVALID_REQUEST when no key is configured, security is enabled and the
     *     service would listen beyond loopback
     */
    public static SecurityMode decide(boolean enabled, ApiKeys keys, Environment environment) {
        if (!enabled) {
            return DISABLED;
        }
        if (!keys.isEmpty()) {
            return API_KEYS;
        }
        String address = environment.getProperty("server.address");
        String managementPort = environment.getProperty("management.server.port");
        String managementAddress = environment.getProperty("management.server.address", address);
        boolean loopback = isLoopback(address) && (managementPort == null || isLoopback(managementAddress));
        if (loopback) {
            return LOOPBACK_ONLY;
        }
        throw new DuckbridgeException(
                ErrorClass.INVALID_REQUEST,
                "no API keys are configured and the service would listen on "
                        + (address == null ? "every network interface" : "server.address=" + address)
                        + "; configure duckbridge.security.api-keys[0].name/.sha256/.role (or"
                        + " duckbridge.security.api-keys-file), bind to loopback with server.address=127.0.0.1,"
                        + " or turn authentication off with duckbridge.security.enabled=false");
    }

    /** Whether {@code address} names only this machine (null, the default, means every interface). */
    static boolean isLoopback(String address) {
        if (address == null || address.isBlank()) {
            return false;
        }
        try {
            InetAddress[] all = InetAddress.getAllByName(address.strip());
            for (InetAddress a : all) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return all.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
