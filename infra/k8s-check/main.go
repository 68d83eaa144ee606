// k8s-check strictly decodes the Kubernetes objects of a `kustomize build` (multi-document YAML
// on stdin) into the k8s.io/api types: an unknown kind, an unknown or misspelt field, or a
// value of the wrong type is an error. It prints the objects as one JSON array on stdout, so
// callers can assert on them without a YAML parser of their own.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// The kinds the manifests may contain, by apiVersion/kind.
var kinds = map[string]func() any{
	"v1/Namespace":                           func() any { return &corev1.Namespace{} },
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                      func() any { return &corev1.ServiceAccount{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                    func() any { return &appsv1.StatefulSet{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/NetworkPolicy":     func() any { return &networkingv1.NetworkPolicy{} },
	"networking.k8s.io/v1/Ingress":           func() any { return &networkingv1.Ingress{} },
}

func decode(doc []byte) (json.RawMessage, error) {
	raw, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("not YAML: %w", err)
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	id := head.APIVersion + "/" + head.Kind
	newObject, ok := kinds[id]
	if !ok {
		return nil, fmt.Errorf("%s %q: kind not known to this check", id, head.Metadata.Name)
	}
	if head.Metadata.Name == "" {
		return nil, fmt.Errorf("%s without metadata.name", id)
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.DisallowUnknownFields()
	object := newObject()
	if err := decoder.Decode(object); err != nil {
		return nil, fmt.Errorf("%s %q: %w", id, head.Metadata.Name, err)
	}
	return raw, nil
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var objects []json.RawMessage
	failed := false
	for _, doc := range strings.Split("\n"+string(input), "\n---") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		object, err := decode([]byte(doc))
		if err != nil {
			fmt.Fprintln(os.Stderr, "k8s-check:", err)
			failed = true
			continue
		}
		objects = append(objects, object)
	}
	if failed {
		os.Exit(1)
	}
	out, _ := json.Marshal(objects)
	os.Stdout.Write(out)
}
