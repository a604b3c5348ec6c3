using System.Text.Json;

namespace ClusterBroker.Helm.Tests;

/// <summary>
/// The chart, proven by rendering it: helm lint, helm template with default values and with every option group on,
/// every document validated offline against the Kubernetes schemas, and assertions on what makes the cluster work.
/// </summary>
public class Chart_Tests
{
    /// <summary>Every option group of values.yaml switched on at once.</summary>
    internal static readonly string[] AllOptions =
    [
        "replicaCount=5",
        "tls.enabled=true", "tls.certificatePfxBase64=AAAA", "tls.password=pfx-secret",
        "websocket.enabled=true",
        "http.adminToken=admin-secret",
        "auth.enabled=true", "auth.passwordFile=user:$7$101$abc", "auth.aclFile=topic readwrite #",
        "redis.mode=embedded",
        "serviceMonitor.enabled=true", "serviceMonitor.labels.release=prometheus",
        "service.type=LoadBalancer", "service.externalTrafficPolicy=Local", "service.annotations.example\\.com/lb=internal",
        "service.loadBalancerSourceRanges[0]=10.0.0.0/8", "service.nodePorts.mqtt=31883",
        "drain.serverReference=mqtt.example.com", "drain.periodSeconds=30",
        "podAntiAffinity=hard", "nodeSelector.pool=mqtt", "tolerations[0].key=dedicated", "tolerations[0].operator=Exists",
        "priorityClassName=high", "podAnnotations.team=iot", "podLabels.tier=broker",
        "settings.Broker:MaxConnections=100000", "extraArgs[0]=--max-inflight", "extraArgs[1]=64",
        "extraEnv[0].name=TZ", "extraEnv[0].value=UTC",
        "podDisruptionBudget.maxUnavailable=1", "imagePullSecrets[0]=registry",
        "logging.format=simple", "logging.level=Debug", "podManagementPolicy=OrderedReady",
    ];

    [Fact]
    public void Helm_lint_is_clean_with_default_values_and_with_every_option_group_on()
    {
        foreach (string[] sets in new[] { Array.Empty<string>(), AllOptions })
        {
            (int code, string output) = Chart.Lint(sets);
            Assert.True(code == 0, output);
            Assert.DoesNotContain("[WARNING]", output);
            Assert.DoesNotContain("[ERROR]", output);
        }
    }

    [Fact]
    public void Default_values_render_documents_that_all_validate_against_the_Kubernetes_schemas()
    {
        Rendered rendered = Chart.Render();
        Assert.True(rendered.SchemaErrors.Count == 0, rendered.SchemaErrorText);
        string[] kinds = rendered.Documents.Select(d => d.GetProperty("kind").GetString()!).Order().ToArray();
        Assert.Equal(["ConfigMap", "PodDisruptionBudget", "Service", "Service", "ServiceAccount", "StatefulSet"], kinds);
    }

    [Fact]
    public void Every_option_group_switched_on_renders_documents_that_all_validate()
    {
        Rendered rendered = Chart.Render(AllOptions);
        Assert.True(rendered.SchemaErrors.Count == 0, rendered.SchemaErrorText);
        Assert.Single(rendered.OfKind("ServiceMonitor"));
        Assert.Equal(4, rendered.OfKind("Secret").Count()); // admin token, TLS, auth files, Redis password
        JsonElement redis = rendered.Single("StatefulSet", Chart.FullName + "-redis");
        List<string> redisArgs = redis.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0]
            .GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Contains("--appendonly", redisArgs);

        JsonElement service = rendered.Single("Service", Chart.FullName);
        Assert.Equal("LoadBalancer", service.GetProperty("spec").GetProperty("type").GetString());
        Assert.Equal("Local", service.GetProperty("spec").GetProperty("externalTrafficPolicy").GetString());
        Assert.Equal(["mqtt", "mqtts", "ws"], service.GetProperty("spec").GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray());
        Assert.Equal("internal", service.GetProperty("metadata").GetProperty("annotations").GetProperty("example.com/lb").GetString());

        Assert.Equal("mqtt.example.com", rendered.Arg("--server-reference"));
        Assert.Equal("8883", rendered.Arg("--tls-port"));
        Assert.Equal("/etc/clusterbroker/tls/tls.pfx", rendered.Arg("--tls-certificate"));
        Assert.Equal("8083", rendered.Arg("--ws-port"));
        Assert.Equal("/etc/clusterbroker/auth/passwords", rendered.Arg("--password-file"));
        Assert.Equal("/etc/clusterbroker/auth/acl", rendered.Arg("--acl-file"));
        Assert.Equal("64", rendered.Arg("--max-inflight"));
        Assert.Equal("simple", rendered.Arg("--log-format"));
        Assert.Equal(1, rendered.Single("PodDisruptionBudget", Chart.FullName).GetProperty("spec").GetProperty("maxUnavailable").GetInt32());
        Assert.Equal("100000", rendered.Single("ConfigMap", Chart.FullName + "-config").GetProperty("data").GetProperty("ClusterBroker__Broker__MaxConnections").GetString());
    }

    [Theory]
    [InlineData("replicaCount=two", "replicaCount")]
    [InlineData("replicas=3", "additional properties 'replicas' not allowed")]
    [InlineData("mqtt.portt=1884", "additional properties 'portt' not allowed")]
    [InlineData("service.type=Ingress", "/service/type")]
    [InlineData("drain.periodSeconds=-1", "/drain/periodSeconds")]
    [InlineData("cluster.failureDetectionPauseSeconds=0", "/cluster/failureDetectionPauseSeconds")]
    [InlineData("tls.enabled=yes please", "/tls/enabled")]
    [InlineData("extraEnv[0].value=75", "/extraEnv/0")]
    public void The_values_schema_rejects_wrong_types_and_unknown_keys(string set, string expected)
    {
        (int code, string output) = Chart.TryTemplate(set);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, output);
    }

    [Fact]
    public void Every_probe_points_at_the_HTTP_port_and_the_broker_serves_HTTP_on_it()
    {
        Rendered rendered = Chart.Render("http.port=9090");
        JsonElement container = rendered.BrokerContainer;
        int httpPort = container.GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "http").GetProperty("containerPort").GetInt32();
        Assert.Equal(9090, httpPort);
        Assert.Equal("9090", rendered.Arg("--http-port"));
        Assert.Equal("0.0.0.0", rendered.Arg("--http-bind"));
        foreach ((string probe, string path) in new[] { ("startupProbe", "/health/live"), ("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready") })
        {
            JsonElement get = container.GetProperty(probe).GetProperty("httpGet");
            Assert.Equal("http", get.GetProperty("port").GetString());
            Assert.Equal(path, get.GetProperty("path").GetString());
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void The_seed_list_names_every_replica_by_its_stable_DNS_name_pod_0_first(int replicas)
    {
        Rendered rendered = Chart.Render($"replicaCount={replicas}", "cluster.port=2600");
        string headless = Chart.FullName + "-headless";
        string[] expected = Enumerable.Range(0, replicas).Select(i => $"{Chart.FullName}-{i}.{headless}.{Chart.Namespace}.svc.cluster.local:2600").ToArray();
        Assert.Equal(expected, rendered.Arg("--seed-nodes")!.Split(','));
        Assert.Equal($"$(POD_NAME).{headless}.{Chart.Namespace}.svc.cluster.local", rendered.Arg("--cluster-host"));
        Assert.Equal("0.0.0.0", rendered.Arg("--cluster-bind"));
        Assert.Equal("2600", rendered.Arg("--cluster-port"));

        JsonElement podName = rendered.BrokerContainer.GetProperty("env").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "POD_NAME");
        Assert.Equal("metadata.name", podName.GetProperty("valueFrom").GetProperty("fieldRef").GetProperty("fieldPath").GetString());

        JsonElement spec = rendered.BrokerStatefulSet.GetProperty("spec");
        Assert.Equal(replicas, spec.GetProperty("replicas").GetInt32());
        Assert.Equal(headless, spec.GetProperty("serviceName").GetString());
        JsonElement headlessSpec = rendered.Single("Service", headless).GetProperty("spec");
        Assert.Equal("None", headlessSpec.GetProperty("clusterIP").GetString());
        Assert.True(headlessSpec.GetProperty("publishNotReadyAddresses").GetBoolean());
        Assert.Contains(headlessSpec.GetProperty("ports").EnumerateArray(), p => p.GetProperty("port").GetInt32() == 2600);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(5, 3)]
    public void The_disruption_budget_keeps_a_majority_of_the_pods_by_default(int replicas, int minAvailable)
    {
        JsonElement pdb = Chart.Render($"replicaCount={replicas}").Single("PodDisruptionBudget", Chart.FullName).GetProperty("spec");
        Assert.Equal(minAvailable, pdb.GetProperty("minAvailable").GetInt32());
        Assert.False(pdb.TryGetProperty("maxUnavailable", out _));
    }

    [Fact]
    public void An_explicit_minAvailable_replaces_the_majority()
    {
        JsonElement pdb = Chart.Render("replicaCount=5", "podDisruptionBudget.minAvailable=4").Single("PodDisruptionBudget", Chart.FullName).GetProperty("spec");
        Assert.Equal(4, pdb.GetProperty("minAvailable").GetInt32());
    }

    [Fact]
    public void The_config_checksum_changes_when_the_settings_change_and_only_then()
    {
        static string Checksum(params string[] sets) =>
            Chart.Render(sets).BrokerStatefulSet.GetProperty("spec").GetProperty("template").GetProperty("metadata")
                .GetProperty("annotations").GetProperty("checksum/config").GetString()!;

        string defaults = Checksum();
        Assert.Equal(defaults, Checksum());
        Assert.Equal(defaults, Checksum("replicaCount=4"));
        Assert.NotEqual(defaults, Checksum("settings.Broker:MaxConnections=5000"));
        Assert.NotEqual(defaults, Checksum("cluster.stableAfterSeconds=20"));
        Assert.NotEqual(Checksum("settings.Broker:MaxConnections=5000"), Checksum("settings.Broker:MaxConnections=6000"));
    }

    [Fact]
    public void The_cluster_timings_reach_the_broker_as_its_own_settings()
    {
        JsonElement data = Chart.Render("cluster.stableAfterSeconds=20", "cluster.failureDetectionPauseSeconds=2")
            .Single("ConfigMap", Chart.FullName + "-config").GetProperty("data");
        Assert.Equal("00:00:20", data.GetProperty("ClusterBroker__Cluster__StableAfter").GetString());
        Assert.Equal("00:00:02", data.GetProperty("ClusterBroker__Cluster__FailureDetectionPause").GetString());
        Assert.Equal("00:00:03", Chart.Render().Single("ConfigMap", Chart.FullName + "-config").GetProperty("data")
            .GetProperty("ClusterBroker__Cluster__FailureDetectionPause").GetString());
    }

    [Fact]
    public void The_termination_grace_period_covers_the_drain_and_leaving_the_cluster()
    {
        Rendered rendered = Chart.Render("drain.periodSeconds=75", "drain.leaveSeconds=50");
        Assert.Equal(125, rendered.BrokerStatefulSet.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("terminationGracePeriodSeconds").GetInt32());
        Assert.Equal("00:01:15", rendered.Arg("--drain-period"));
        Assert.Null(rendered.Arg("--server-reference"));
    }

    [Fact]
    public void The_broker_runs_as_a_non_root_user_on_a_read_only_root_filesystem_with_a_writable_tmp()
    {
        Rendered rendered = Chart.Render();
        JsonElement pod = rendered.BrokerStatefulSet.GetProperty("spec").GetProperty("template").GetProperty("spec");
        Assert.True(pod.GetProperty("securityContext").GetProperty("runAsNonRoot").GetBoolean());
        JsonElement container = rendered.BrokerContainer;
        Assert.True(container.GetProperty("securityContext").GetProperty("readOnlyRootFilesystem").GetBoolean());
        Assert.False(container.GetProperty("securityContext").GetProperty("allowPrivilegeEscalation").GetBoolean());
        Assert.Contains(container.GetProperty("volumeMounts").EnumerateArray(), m => m.GetProperty("mountPath").GetString() == "/tmp");
        Assert.Contains(pod.GetProperty("volumes").EnumerateArray(), v => v.GetProperty("name").GetString() == "tmp" && v.TryGetProperty("emptyDir", out _));
        JsonElement preferred = pod.GetProperty("affinity").GetProperty("podAntiAffinity").GetProperty("preferredDuringSchedulingIgnoredDuringExecution");
        Assert.Equal("kubernetes.io/hostname", preferred[0].GetProperty("podAffinityTerm").GetProperty("topologyKey").GetString());
        Assert.Equal("ScheduleAnyway", pod.GetProperty("topologySpreadConstraints")[0].GetProperty("whenUnsatisfiable").GetString());
    }

    [Fact]
    public void An_external_Redis_gets_its_password_from_a_Secret_expanded_into_the_configuration_string()
    {
        Rendered rendered = Chart.Render("redis.external.address=redis.example:6380", "redis.external.tls=true", "redis.external.existingSecret=redis-creds");
        Assert.True(rendered.SchemaErrors.Count == 0, rendered.SchemaErrorText);
        List<JsonElement> env = rendered.BrokerContainer.GetProperty("env").EnumerateArray().ToList();
        int password = env.FindIndex(e => e.GetProperty("name").GetString() == "REDIS_PASSWORD");
        int configuration = env.FindIndex(e => e.GetProperty("name").GetString() == "ClusterBroker__Redis__Configuration");
        Assert.True(password >= 0 && password < configuration, "REDIS_PASSWORD must come before the variable that refers to it");
        JsonElement secretRef = env[password].GetProperty("valueFrom").GetProperty("secretKeyRef");
        Assert.Equal("redis-creds", secretRef.GetProperty("name").GetString());
        Assert.Equal("redis-password", secretRef.GetProperty("key").GetString());
        Assert.Equal("redis.example:6380,ssl=true,password=$(REDIS_PASSWORD)", env[configuration].GetProperty("value").GetString());
        Assert.Empty(rendered.OfKind("Secret"));
    }

    [Fact]
    public void Without_a_Redis_address_the_broker_runs_the_cluster_with_in_memory_stores()
    {
        static string? InMemoryStores(Rendered rendered) =>
            rendered.BrokerContainer.GetProperty("env").EnumerateArray()
                .Where(e => e.GetProperty("name").GetString() == "ClusterBroker__Cluster__InMemoryStores")
                .Select(e => e.GetProperty("value").GetString()).SingleOrDefault();

        Rendered rendered = Chart.Render();
        Assert.DoesNotContain(rendered.BrokerContainer.GetProperty("env").EnumerateArray(), e => e.GetProperty("name").GetString()!.Contains("Redis", StringComparison.Ordinal));
        Assert.Equal("true", InMemoryStores(rendered));
        Assert.Null(InMemoryStores(Chart.Render("redis.external.address=redis:6379")));
        Assert.Null(InMemoryStores(Chart.Render("redis.mode=embedded")));
    }

    [Fact]
    public void The_admin_token_reaches_the_broker_from_a_Secret_never_from_the_arguments()
    {
        Rendered rendered = Chart.Render("http.adminToken=s3cret");
        Assert.DoesNotContain(rendered.BrokerArgs, a => a.Contains("s3cret", StringComparison.Ordinal));
        JsonElement token = rendered.BrokerContainer.GetProperty("env").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "ClusterBroker__Http__AdminToken");
        string secretName = token.GetProperty("valueFrom").GetProperty("secretKeyRef").GetProperty("name").GetString()!;
        JsonElement secret = rendered.Single("Secret", secretName);
        Assert.Equal("s3cret", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(secret.GetProperty("data").GetProperty("admin-token").GetString()!)));
    }
}
