{{/* Chart name, shortened to the 63 characters of a DNS label. */}}
{{- define "clusterbroker.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name alone when it already holds the chart name. */}}
{{- define "clusterbroker.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "clusterbroker.headless" -}}
{{- printf "%s-headless" (include "clusterbroker.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "clusterbroker.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "clusterbroker.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "clusterbroker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "clusterbroker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "clusterbroker.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "clusterbroker.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The DNS name of pod N: <fullname>-N.<headless>.<namespace>.svc.<clusterDomain>. */}}
{{- define "clusterbroker.podDns" -}}
{{- $root := index . 0 }}{{- $ordinal := index . 1 -}}
{{- printf "%s-%d.%s.%s.svc.%s" (include "clusterbroker.fullname" $root) (int $ordinal) (include "clusterbroker.headless" $root) $root.Release.Namespace $root.Values.clusterDomain }}
{{- end }}

{{/* Every pod's cluster address, pod 0 first: the same seed list on every pod. */}}
{{- define "clusterbroker.seedNodes" -}}
{{- $root := . }}
{{- $seeds := list }}
{{- range $i := until (int .Values.replicaCount) }}
{{- $seeds = append $seeds (printf "%s:%d" (include "clusterbroker.podDns" (list $root $i)) (int $root.Values.cluster.port)) }}
{{- end }}
{{- join "," $seeds }}
{{- end }}

{{/* Seconds as a .NET TimeSpan (hh:mm:ss). */}}
{{- define "clusterbroker.timespan" -}}
{{- $s := int . }}
{{- printf "%02d:%02d:%02d" (div $s 3600) (mod (div $s 60) 60) (mod $s 60) }}
{{- end }}

{{- define "clusterbroker.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Name of the Secret with the admin token, empty when there is none. */}}
{{- define "clusterbroker.adminSecret" -}}
{{- if .Values.http.existingSecret }}{{ .Values.http.existingSecret }}{{- else if .Values.http.adminToken }}{{ printf "%s-admin" (include "clusterbroker.fullname" .) }}{{- end }}
{{- end }}

{{- define "clusterbroker.adminSecretKey" -}}
{{- if .Values.http.existingSecret }}{{ .Values.http.existingSecretKey }}{{- else }}admin-token{{- end }}
{{- end }}

{{- define "clusterbroker.tlsSecret" -}}
{{- default (printf "%s-tls" (include "clusterbroker.fullname" .)) .Values.tls.existingSecret }}
{{- end }}

{{- define "clusterbroker.authSecret" -}}
{{- default (printf "%s-auth" (include "clusterbroker.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{/* True (non-empty) when the broker is given a Redis. */}}
{{- define "clusterbroker.redisEnabled" -}}
{{- if eq .Values.redis.mode "embedded" }}true{{- else if and (eq .Values.redis.mode "external") .Values.redis.external.address }}true{{- end }}
{{- end }}

{{- define "clusterbroker.redisName" -}}
{{- printf "%s-redis" (include "clusterbroker.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Secret and key of the Redis password, empty when there is no password. */}}
{{- define "clusterbroker.redisSecret" -}}
{{- if eq .Values.redis.mode "embedded" }}{{ include "clusterbroker.redisName" . }}
{{- else if .Values.redis.external.existingSecret }}{{ .Values.redis.external.existingSecret }}
{{- else if .Values.redis.external.password }}{{ include "clusterbroker.redisName" . }}
{{- end }}
{{- end }}

{{- define "clusterbroker.redisSecretKey" -}}
{{- if and (eq .Values.redis.mode "external") .Values.redis.external.existingSecret }}{{ .Values.redis.external.existingSecretKey }}{{- else }}redis-password{{- end }}
{{- end }}

{{/*
The StackExchange.Redis configuration string given to the broker (environment variable
ClusterBroker__Redis__Configuration). The password is not written here: $(REDIS_PASSWORD) is expanded by Kubernetes
from the container's environment, which takes it from the Secret.
*/}}
{{- define "clusterbroker.redisConfiguration" -}}
{{- $parts := list }}
{{- if eq .Values.redis.mode "embedded" }}
{{- $parts = append $parts (printf "%s:6379" (include "clusterbroker.redisName" .)) }}
{{- else }}
{{- $parts = append $parts .Values.redis.external.address }}
{{- if .Values.redis.external.tls }}{{ $parts = append $parts "ssl=true" }}{{ end }}
{{- if .Values.redis.external.options }}{{ $parts = append $parts .Values.redis.external.options }}{{ end }}
{{- end }}
{{- if include "clusterbroker.redisSecret" . }}{{ $parts = append $parts "password=$(REDIS_PASSWORD)" }}{{ end }}
{{- join "," $parts }}
{{- end }}
